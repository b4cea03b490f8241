import { checkDuration } from '../options/duration.js';
import { TWITCH_AUTH_BASE_URL, type HttpOptions } from './options.js';

/** {@link HttpOptions} with defaults applied and values checked. @internal */
export interface HttpSettings {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retryLimit: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly signal: AbortSignal | undefined;
  readonly fetch: HttpOptions['fetch'];
  readonly dispatcher: HttpOptions['dispatcher'];
}

/** The default of {@link HttpOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_LIMIT = 2;
const DEFAULT_BASE_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 10_000;

/**
 * Applies defaults to the options and rejects values that cannot work, with a `TypeError` that
 * names the option. @internal
 */
export function resolveHttpSettings(options: HttpOptions = {}): HttpSettings {
  const retry = typeof options.retry === 'number' ? { limit: options.retry } : (options.retry ?? {});
  return {
    baseUrl: normalizeBaseUrl(options.authBaseUrl ?? TWITCH_AUTH_BASE_URL),
    // Timer delays: a value past 2^31-1 ms would fire at once in Node, so it is refused.
    timeoutMs: checkDuration('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    retryLimit: checkedCount('retry.limit', retry.limit ?? DEFAULT_RETRY_LIMIT),
    baseDelayMs: checkDuration('retry.baseDelayMs', retry.baseDelayMs ?? DEFAULT_BASE_DELAY_MS),
    maxDelayMs: checkDuration('retry.maxDelayMs', retry.maxDelayMs ?? DEFAULT_MAX_DELAY_MS),
    signal: options.signal,
    fetch: options.fetch,
    dispatcher: options.dispatcher,
  };
}

function checkedCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`The ${name} option must be a whole number ≥ 0; got ${String(value)}.`);
  }
  return value;
}

/**
 * Checks the base URL and drops a trailing slash, so that endpoint paths can be appended:
 * `https://id.twitch.tv/oauth2/` + `/token` must not lose `/oauth2`, as `new URL('/token', base)` would.
 */
export function normalizeBaseUrl(raw: string): string {
  let normalized = normalizedBaseUrls.get(raw);
  if (normalized === undefined) {
    normalized = checkedBaseUrl(raw);
    // A process talks to one or two identity services: a tiny cache spares a URL parse per call.
    if (normalizedBaseUrls.size >= 16) normalizedBaseUrls.clear();
    normalizedBaseUrls.set(raw, normalized);
  }
  return normalized;
}

const normalizedBaseUrls = new Map<string, string>();

function checkedBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(
      `The authBaseUrl option must be an absolute http(s) URL such as ${TWITCH_AUTH_BASE_URL}; got ${JSON.stringify(raw)}.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`The authBaseUrl option must use http or https; got ${JSON.stringify(url.protocol)}.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(
      'The authBaseUrl option must not carry a query, a fragment or credentials; pass only the origin and path.',
    );
  }
  return url.href.replace(/\/+$/, '');
}
