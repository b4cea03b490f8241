import type { SpendMark } from './token-store.js';

/**
 * A record's spend mark as given to `writeIfNewer` by any caller (JavaScript ones included),
 * checked before it is stored. @internal
 * @throws TypeError for anything but `undefined`, `{ state: 'sending', by: string }` or `{ state: 'refused' }`.
 */
export function checkSpendMark(spend: unknown): SpendMark | undefined {
  if (spend === undefined) return undefined;
  const { state, by } = (spend ?? {}) as { state?: unknown; by?: unknown };
  if (state === 'refused') return { state };
  if (state === 'sending' && typeof by === 'string') return { state, by };
  throw new TypeError("A record's spend mark is { state: 'sending', by: string } or { state: 'refused' }.");
}
