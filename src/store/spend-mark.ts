import type { SpendMark } from './token-store.js';

/** The longest `by` a mark may carry (a random id or `restored:` and one): more is not a mark of this library. */
const MAX_BY_LENGTH = 200;

/**
 * A record's spend mark as given to a store by any caller (JavaScript ones included), checked
 * before it is stored; a copy, so that the caller's object cannot change it later. @internal
 * @throws TypeError for anything but `undefined`, `{ state: 'sending', by, until }` (`by` a string
 * of at most 200 characters, `until` epoch ms) or `{ state: 'refused' }`.
 */
export function checkSpendMark(spend: unknown): SpendMark | undefined {
  if (spend === undefined) return undefined;
  const { state, by, until } = (spend ?? {}) as { state?: unknown; by?: unknown; until?: unknown };
  if (state === 'refused') return { state };
  if (
    state === 'sending' &&
    typeof by === 'string' &&
    by.length <= MAX_BY_LENGTH &&
    typeof until === 'number' &&
    Number.isSafeInteger(until)
  ) {
    return { state, by, until };
  }
  throw new TypeError(
    "A record's spend mark is { state: 'sending', by: string (≤ 200 characters), until: epoch ms } or " +
      "{ state: 'refused' }.",
  );
}

/** A record's `spend` in one string (Redis keeps it in one hash field): `sending:<until>:<by>`, `refused`, or `''`. @internal */
export function spendMarkText(spend: SpendMark | undefined): string {
  if (spend === undefined) return '';
  return spend.state === 'refused' ? 'refused' : `sending:${String(spend.until)}:${spend.by}`;
}

/** The mark of {@link spendMarkText}'s string; anything else (`''` included) counts as none. @internal */
export function spendMarkOfText(text: string | null): SpendMark | undefined {
  if (text === 'refused') return { state: 'refused' };
  const sending = /^sending:(\d{1,16}):(.{0,200})$/su.exec(text ?? '');
  if (sending === null) return undefined;
  return { state: 'sending', by: sending[2] ?? '', until: Number(sending[1]) };
}
