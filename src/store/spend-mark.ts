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
  const fields = (spend ?? {}) as { state?: unknown; by?: unknown; until?: unknown; appId?: unknown };
  const { state, by, until, appId } = fields;
  if (state === 'refused' && appId === undefined) return { state };
  if (state === 'refused' && typeof appId === 'string' && appId.length <= MAX_BY_LENGTH) return { state, appId };
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
      "{ state: 'refused', appId?: string (≤ 200 characters) }.",
  );
}

/**
 * A record's `spend` in one string (Redis keeps it in one hash field): `sending:<until>:<by>`,
 * `refused:<appId>` (`refused` without one), or `''`. @internal
 */
export function spendMarkText(spend: SpendMark | undefined): string {
  if (spend === undefined) return '';
  if (spend.state === 'sending') return `sending:${String(spend.until)}:${spend.by}`;
  return spend.appId === undefined ? 'refused' : `refused:${spend.appId}`;
}

/** The mark of {@link spendMarkText}'s string; anything else (`''` included) counts as none. @internal */
export function spendMarkOfText(text: string | null): SpendMark | undefined {
  if (text === 'refused') return { state: 'refused' };
  const refused = /^refused:(.{1,200})$/su.exec(text ?? '');
  if (refused !== null) return { state: 'refused', appId: refused[1] ?? '' };
  const sending = /^sending:(\d{1,16}):(.{0,200})$/su.exec(text ?? '');
  if (sending === null) return undefined;
  return { state: 'sending', by: sending[2] ?? '', until: Number(sending[1]) };
}
