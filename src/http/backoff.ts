/**
 * How long to wait before retry number `retry` (1-based): exponential from `baseDelayMs`, capped
 * at `maxDelayMs`, with full jitter so that many clients failing together do not retry together.
 * `random` is injectable for tests. @internal
 */
export function backoffDelayMs(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling * random());
}

/**
 * How long the server asked to wait, from `Retry-After` (seconds or an HTTP date) or
 * `Ratelimit-Reset` (Twitch sends an epoch second; a small number is read as seconds from now).
 * `undefined` when neither header says something usable. @internal
 */
export function requestedWaitMs(
  headers: { get(name: string): string | null },
  now: number = Date.now(),
): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) {
    const seconds = Number(reset);
    // An epoch second is far larger than any sensible delay in seconds (1e9 s is 31 years).
    return seconds > 1e9 ? Math.max(0, seconds * 1000 - now) : seconds * 1000;
  }
  return undefined;
}
