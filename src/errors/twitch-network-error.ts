import { TwitchAPIError } from './twitch-api-error.js';

/** What a {@link TwitchNetworkError} knows about the failure. */
export interface TwitchNetworkErrorDetails {
  /** The call that failed, as `METHOD /path`. */
  readonly endpoint: string;
  /** The origin that could not be reached, e.g. `https://id.twitch.tv`. */
  readonly origin: string;
  /** How many times the call was tried. */
  readonly attempts: number;
  /** The per-attempt time limit that ran out, when the failure is a timeout. */
  readonly timeoutMs?: number | undefined;
  /** The system error code of the last failure (`ECONNREFUSED`, `ENOTFOUND`, …), when known. */
  readonly code?: string | undefined;
  /** Whether retrying can help; `false` for TLS certificate failures and blocked ports. Default: `true`. */
  readonly transient?: boolean | undefined;
  /** The last underlying error. */
  readonly cause?: unknown;
}

/**
 * No answer came from Twitch: the connection failed, was reset, or the time limit ran out, on
 * every attempt. Transient, except for TLS certificate failures (a proxy intercepting traffic, a
 * wrong `authBaseUrl`), which retrying cannot fix.
 */
export class TwitchNetworkError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'TwitchNetworkError';
  override readonly transient: boolean;
  /** How many times the call was tried. */
  readonly attempts: number;
  /** Whether the last attempt ran out of time (rather than failing to connect). */
  readonly timedOut: boolean;
  /** The system error code of the last failure (`ECONNREFUSED`, `ENOTFOUND`, …), when known. */
  readonly code: string | undefined;
  /** The origin that could not be reached, e.g. `https://id.twitch.tv`. */
  readonly origin: string;

  constructor(details: TwitchNetworkErrorDetails) {
    const tries = details.attempts === 1 ? '' : ` (${String(details.attempts)} attempts)`;
    const what =
      details.timeoutMs === undefined
        ? `Could not reach ${details.origin} for ${details.endpoint}${tries}: ${describeCode(details.code)}.`
        : `${details.origin} did not answer ${details.endpoint} within ${String(details.timeoutMs)} ms${tries}.`;
    const next =
      details.code === 'ERR_FETCH_BAD_PORT'
        ? ' Change the port in the authBaseUrl option.'
        : details.transient === false
          ? ' The TLS certificate was refused: check for a proxy that intercepts HTTPS, the system CA store, or the authBaseUrl option.'
          : details.timeoutMs === undefined
            ? ' Check the network connection, a proxy (pass an undici dispatcher), or the authBaseUrl option, then try again.'
            : ' Check the network connection or raise the timeoutMs option, then try again.';
    super(what + next, { endpoint: details.endpoint, cause: details.cause });
    this.transient = details.transient ?? true;
    this.attempts = details.attempts;
    this.timedOut = details.timeoutMs !== undefined;
    this.code = details.code;
    this.origin = details.origin;
  }
}

const CODE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection was closed before an answer arrived',
  ENOTFOUND: 'the host name could not be resolved',
  EAI_AGAIN: 'the host name could not be resolved (DNS is unavailable)',
  ETIMEDOUT: 'connecting timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  ERR_FETCH_BAD_PORT:
    "fetch refuses this port (the Fetch standard's blocked ports, such as 1 and 6665–6669): use another",
};

/** What a system error code means, in words: `the connection was refused (ECONNREFUSED)`. @internal */
export function describeCode(code: string | undefined): string {
  if (code === undefined) return 'the request failed';
  return `${CODE_DESCRIPTIONS[code] ?? 'the request failed'} (${code})`;
}
