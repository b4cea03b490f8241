/**
 * What a token, a secret or a client id may contain to be sent at all: no whitespace, no control
 * characters (they would split or corrupt a header or a form), nothing above U+00FF (a header
 * carries bytes). Twitch's own are letters and digits. @internal
 */
const SENDABLE = /^[\u0021-\u007e\u00a1-\u00ff]+$/;

/** Visible ASCII: the characters of every token Twitch issues (RFC 6749's VSCHAR without space). */
const TOKEN_CHARACTERS = /^[\u0021-\u007e]+$/;

/** Whether a non-empty string could be sent as a Bearer token or a form field unchanged. @internal */
export function isSendable(value: string): boolean {
  return SENDABLE.test(value);
}

/** Whether a non-empty string has only the characters of a token (visible ASCII). @internal */
export function hasTokenCharacters(value: string): boolean {
  return TOKEN_CHARACTERS.test(value);
}

/** Why a string is not sendable, in words that never quote it. @internal */
export const NOT_SENDABLE =
  'must not contain spaces, line breaks, control characters or characters above U+00FF (Twitch ids, secrets and tokens are letters and digits)';
