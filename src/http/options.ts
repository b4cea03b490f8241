import type { ReadableStream } from 'node:stream/web';
import type { Dispatcher } from 'undici';

/** The identity service's base URL, the default of {@link HttpOptions.authBaseUrl}. */
export const TWITCH_AUTH_BASE_URL = 'https://id.twitch.tv/oauth2';

/**
 * A `fetch` this library can call: the global one, undici's, or a wrapper (MSW, a tracer).
 * Only the parts of the Fetch API the library uses are required.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<ResponseLike>;

/**
 * What this library passes to a {@link FetchLike}. When a `dispatcher` option is given, it is
 * passed along too (undici's and Node's `fetch` read it).
 */
export interface FetchInit {
  /** `GET` or `POST`. */
  readonly method: 'GET' | 'POST';
  /** Lower-case header names. */
  readonly headers: Record<string, string>;
  /** A form-encoded body, for POSTs. */
  readonly body?: string;
  /** Always set when the caller gave a `fetch` or a `signal`. */
  readonly signal?: AbortSignal;
  /** Always `manual`: a redirect could carry a client secret to another host, so none is followed. */
  readonly redirect: 'manual';
}

/** The parts of a Fetch API `Response` this library reads. */
export interface ResponseLike {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: {
    /** A header's value, or `null`. */
    get(name: string): string | null;
  };
  /**
   * The body as a stream: read with a bound on its decoded size (1 MiB), cancelled when the
   * attempt is given up, and not read at all when `Content-Encoding` names a coding other than
   * identity.
   */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Not read by this library (it reads `body`, bounded); part of the shape so that a Fetch API `Response` fits. */
  text(): Promise<string>;
}

/** How transient failures are retried. */
export interface RetryOptions {
  /**
   * How many times a transient failure (connection error, timeout, 5xx, 429) is retried.
   * `0` turns retrying off. Default: `2`, so a call is tried at most 3 times.
   */
  readonly limit?: number;
  /**
   * The first retry's delay; each further retry doubles it, with full jitter. 0 … 2³¹−1 ms.
   * Default: `250` ms.
   */
  readonly baseDelayMs?: number;
  /**
   * The longest a single wait may be. When Twitch asks (`Retry-After`, `Ratelimit-Reset`) to wait
   * longer than this, the call fails at once with a `TwitchRateLimitError` saying how long to wait.
   * 0 … 2³¹−1 ms. Default: `10_000` ms.
   */
  readonly maxDelayMs?: number;
}

/**
 * Options every call to Twitch accepts: the last argument of each helper, and of the classes
 * that call Twitch.
 */
export interface HttpOptions {
  /**
   * The identity service's base URL, to use the twitch CLI's mock API
   * (`http://localhost:8080/auth`), the bundled fake (`twitchapi-oauth/testing`) or a gateway.
   * Default: `https://id.twitch.tv/oauth2`.
   */
  readonly authBaseUrl?: string;
  /**
   * An undici dispatcher for the requests, e.g. a `ProxyAgent` or an `Agent` with a custom CA.
   * Default: one keep-alive `Agent` shared by every call of this library.
   */
  readonly dispatcher?: Dispatcher;
  /**
   * The `fetch` to send requests with, e.g. `globalThis.fetch` so that request-mocking tools such
   * as MSW see them. Default: undici's `fetch` on the shared `Agent`.
   */
  readonly fetch?: FetchLike;
  /** Cancels the call, including retries and waits between them; it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * The time limit of each attempt, in milliseconds: how long to wait for Twitch's answer (and, on
   * the shared Agent, between parts of its body); `0` for none. 0 … 2³¹−1 ms (a longer delay would
   * fire at once in Node); other values are refused with a `TypeError`. Default: `10_000`.
   */
  readonly timeoutMs?: number;
  /** How transient failures are retried: a {@link RetryOptions}, or just its `limit`. Default: 2 retries. */
  readonly retry?: number | RetryOptions;
}

/**
 * How a class calls Twitch: the options of {@link HttpOptions} that make sense for many calls, with
 * the per-call time limit named `requestTimeoutMs` (a class's own `timeoutMs`, if it has one, is
 * the time limit of its whole job, e.g. a login).
 */
export interface ClientHttpOptions {
  /** The identity service's base URL, as for the helpers. Default: `https://id.twitch.tv/oauth2`. */
  readonly authBaseUrl?: string;
  /** An undici dispatcher for the calls, as for the helpers. Default: the shared keep-alive Agent. */
  readonly dispatcher?: Dispatcher;
  /** A `fetch` for the calls, as for the helpers. Default: undici's. */
  readonly fetch?: FetchLike;
  /** How each call is retried, as for the helpers. Default: 2 retries. */
  readonly retry?: number | RetryOptions;
  /** The time limit of each call, as the helpers' `timeoutMs`. Default: `10_000`. */
  readonly requestTimeoutMs?: number;
}

/** The {@link HttpOptions} for a class's calls, from its {@link ClientHttpOptions}. @internal */
export function httpOptionsOf(options: ClientHttpOptions): HttpOptions {
  return {
    ...(options.authBaseUrl === undefined ? {} : { authBaseUrl: options.authBaseUrl }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
  };
}
