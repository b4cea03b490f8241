/** What an error of this library knows about the failed call, besides its message. */
export interface TwitchAPIErrorDetails {
  /** The HTTP status Twitch answered with; absent when no answer arrived. */
  readonly status?: number | undefined;
  /** Twitch's own `message` from the error body, when it sent one. */
  readonly twitchMessage?: string | undefined;
  /** The call that failed, as `METHOD /path`, e.g. `POST /token`. */
  readonly endpoint?: string | undefined;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * The base class of every error this library throws about a call to Twitch.
 *
 * Messages say what happened and what to do next. They never contain a client secret, an
 * authorization code or a token, and neither do the other fields.
 *
 * Python: `twitchAPI.type.TwitchAPIException`.
 */
export class TwitchAPIError extends Error {
  /** @hidden */
  override readonly name: string = 'TwitchAPIError';
  /** The HTTP status Twitch answered with; `undefined` when no answer arrived. */
  readonly status: number | undefined;
  /** Twitch's own `message` from the error body (e.g. `"Invalid refresh token"`), when it sent one. */
  readonly twitchMessage: string | undefined;
  /** The call that failed, as `METHOD /path`, e.g. `POST /token`. */
  readonly endpoint: string | undefined;
  /**
   * Whether the same call may succeed if tried again later (network trouble, Twitch outage, rate
   * limit). `false` means retrying cannot help: fix the input or ask the user to log in again.
   * See also {@link isTransientError}.
   */
  readonly transient: boolean = false;

  constructor(message: string, details: TwitchAPIErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.twitchMessage = details.twitchMessage;
    this.endpoint = details.endpoint;
  }
}

/**
 * Describes what Twitch answered, for use inside error messages: `403 "invalid client secret" from
 * POST /token`. Only the status, Twitch's short message and the endpoint go in, never a body.
 *
 * @internal
 */
export function describeAnswer(details: TwitchAPIErrorDetails): string {
  const parts: string[] = [];
  if (details.status !== undefined) parts.push(String(details.status));
  if (details.twitchMessage !== undefined) parts.push(JSON.stringify(details.twitchMessage));
  const answer = parts.join(' ');
  if (details.endpoint === undefined) return answer;
  return answer === '' ? details.endpoint : `${answer} from ${details.endpoint}`;
}
