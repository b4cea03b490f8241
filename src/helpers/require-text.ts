import { isSendable, NOT_SENDABLE } from '../tokens/token-text.js';

/**
 * Checks a credential or token argument: a non-empty string that can be sent as it is, without
 * whitespace, control characters (which would corrupt a header or form) or characters above U+00FF
 * (which a header cannot carry: such a call could never be sent, so it is refused at once rather
 * than reported as a network failure). The message names the argument, never its value.
 * @internal
 */
export function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string; got ${value === '' ? 'an empty string' : typeof value}.`);
  }
  if (!isSendable(value)) {
    throw new TypeError(`${name} ${NOT_SENDABLE}; check how it was read or pasted.`);
  }
  return value;
}

/**
 * Checks a text argument that is not a credential (a redirect URI): non-empty, without whitespace
 * or control characters. Other characters are sent URL-encoded, as a browser does. @internal
 */
export function requireLine(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string; got ${value === '' ? 'an empty string' : typeof value}.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(
      `${name} must not contain spaces, line breaks or control characters; check how it was read or pasted.`,
    );
  }
  return value;
}
