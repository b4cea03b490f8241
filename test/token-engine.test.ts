import { describe, expect, it } from 'vitest';
import { ReauthenticationRequiredError, TwitchBackendError, TwitchRateLimitError, UserToken } from '../src/index.js';
import {
  dueAt,
  heldRecord,
  nextState,
  tokenInUse,
  type TokenEvent,
  type TokenState,
} from '../src/lifecycle/token-engine.js';
import { failureWaitMs, plannedRefreshAt, refreshDeadline, type TokenTiming } from '../src/lifecycle/token-timing.js';
import type { TokenRecord } from '../src/store/token-store.js';

// The engine is pure: every test below is (state, event, now) → state, with no I/O and no timers.

const T0 = 1_795_000_000_000;
const timing: TokenTiming = {
  refreshMarginMs: 300_000,
  refreshJitterMs: 60_000,
  minRefreshIntervalMs: 1000,
  lostRecheckMs: 60_000,
  random: () => 0.5,
};

function token(n: number, obtainedAt = T0, expiresIn = 14_124): UserToken {
  return new UserToken({
    accessToken: `access-${String(n)}`,
    refreshToken: `refresh-${String(n)}`,
    expiresIn,
    scopes: [],
    tokenType: 'bearer',
    obtainedAt,
  });
}
const record = (n: number, generation: number, obtainedAt = T0): TokenRecord => ({
  token: token(n, obtainedAt),
  generation,
});

/** Applies events in order at `now`. */
function run(state: TokenState, events: TokenEvent[], now = T0): TokenState {
  return events.reduce((current, event) => nextState(current, event, now, timing), state);
}

const empty: TokenState = { name: 'empty' };
const lostError = new ReauthenticationRequiredError('test.');
const outage = new TwitchBackendError({ attempts: 1, status: 503 });

describe('token timing', () => {
  it('refreshes refreshMarginMs before expiry, at half-life for short tokens, never sooner than minRefreshIntervalMs', () => {
    expect(refreshDeadline(token(1, T0, 14_124), timing)).toBe(T0 + 14_124_000 - 300_000);
    expect(refreshDeadline(token(1, T0, 100), timing)).toBe(T0 + 50_000);
    expect(refreshDeadline(token(1, T0, 0), timing)).toBe(T0 + 1000); // expires_in 0: not a refresh per call
    expect(refreshDeadline(token(1, T0, 1), timing)).toBe(T0 + 1000);
  });

  it('plans timed refreshes up to refreshJitterMs earlier (at most a tenth of the window), never before the minimum interval', () => {
    const long = token(1, T0, 14_124);
    const deadline = refreshDeadline(long, timing);
    expect(plannedRefreshAt(long, { ...timing, random: () => 0 })).toBe(deadline);
    expect(plannedRefreshAt(long, { ...timing, random: () => 0.999_999 })).toBe(deadline - 59_999);
    const short = token(1, T0, 20); // deadline at 10 s: jitter at most 1 s
    expect(plannedRefreshAt(short, { ...timing, random: () => 0.999_999 })).toBeGreaterThanOrEqual(T0 + 9000);
    expect(plannedRefreshAt(token(1, T0, 0), { ...timing, random: () => 0.999_999 })).toBe(T0 + 1000);
  });

  it('backs off from 5 s to 5 minutes, never under a second, and at least as long as a 429 asked (up to an hour)', () => {
    const most = { ...timing, random: () => 1 };
    expect(failureWaitMs(1, outage, most)).toBe(5000);
    expect(failureWaitMs(20, outage, most)).toBe(300_000);
    expect(failureWaitMs(1, outage, { ...timing, random: () => 0 })).toBe(1000);
    const limited = new TwitchRateLimitError({ attempts: 1, status: 429, retryAfterMs: 90_000 });
    expect(failureWaitMs(1, limited, most)).toBe(90_000);
    const absurd = new TwitchRateLimitError({ attempts: 1, status: 429, retryAfterMs: 10 * 86_400_000 });
    expect(failureWaitMs(1, absurd, most)).toBe(3_600_000);
  });
});

describe('token engine transitions', () => {
  it('empty → fresh on the first stored record, with a planned refresh', () => {
    const state = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    expect(state).toMatchObject({ name: 'fresh', record: { generation: 3 } });
    expect(dueAt(state)).toBe(plannedRefreshAt(token(1), timing));
    expect(dueAt(empty)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('fresh: only a newer generation (or other credentials at the same one) replaces the record', () => {
    const fresh = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    expect(run(fresh, [{ type: 'stored', record: record(0, 2) }])).toBe(fresh);
    expect(run(fresh, [{ type: 'stored', record: record(1, 3) }])).toBe(fresh);
    expect(heldRecord(run(fresh, [{ type: 'stored', record: record(2, 4) }]))?.generation).toBe(4);
    expect(tokenInUse(run(fresh, [{ type: 'stored', record: record(9, 3) }]))?.accessToken).toBe('access-9');
  });

  it('a seed yields to a stored token obtained as late or later, and holds against an older one', () => {
    const seeded = run(empty, [{ type: 'given', token: token(1, T0 + 10), claim: 'seed' }]);
    expect(seeded).toMatchObject({ name: 'unsaved', claim: 'seed', failures: 0, retryAt: T0 });
    expect(run(seeded, [{ type: 'stored', record: record(2, 7, T0) }])).toBe(seeded);
    expect(run(seeded, [{ type: 'stored', record: record(3, 7, T0 + 10) }])).toMatchObject({
      name: 'fresh',
      record: { generation: 7 },
    });
  });

  it('a login outranks everything stored until its own write comes back', () => {
    const fresh = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    const login = run(fresh, [{ type: 'given', token: token(5, T0 - 1), claim: 'login' }]);
    expect(login).toMatchObject({ name: 'unsaved', claim: 'login' });
    expect(run(login, [{ type: 'stored', record: record(2, 99, T0 + 1) }])).toBe(login);
    expect(run(login, [{ type: 'stored', record: { token: token(5, T0 - 1), generation: 100 } }])).toMatchObject({
      name: 'fresh',
      record: { generation: 100 },
    });
  });

  it('a lost login is revived by a login given here, or by a newer generation in the store', () => {
    const lost = run(empty, [
      { type: 'stored', record: record(1, 3) },
      { type: 'lost', error: lostError },
    ]);
    expect(lost).toMatchObject({ name: 'lost', error: lostError, recheckAt: T0 + 60_000 });
    expect(tokenInUse(lost)).toBeUndefined();
    const checked = run(lost, [{ type: 'stored', record: record(1, 3) }], T0 + 60_000);
    expect(checked).toMatchObject({ name: 'lost', recheckAt: T0 + 120_000 }); // the same record: still lost
    expect(run(lost, [{ type: 'stored', record: record(2, 4) }])).toMatchObject({ name: 'fresh' });
    expect(run(lost, [{ type: 'given', token: token(3), claim: 'login' }])).toMatchObject({ name: 'unsaved' });
  });

  it('refreshing wraps what holds meanwhile; a failure there backs off once the refresh ends, and failures count up', () => {
    const fresh = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    const refreshing = run(fresh, [{ type: 'refresh-started' }]);
    expect(refreshing).toEqual({ name: 'refreshing', from: fresh });
    expect(dueAt(refreshing)).toBeUndefined();
    const failedOnce = run(refreshing, [{ type: 'failed', error: outage }, { type: 'refresh-ended' }]);
    expect(failedOnce).toMatchObject({ name: 'backing-off', failures: 1, record: { generation: 3 } });
    const failedTwice = run(failedOnce, [
      { type: 'refresh-started' },
      { type: 'failed', error: outage },
      { type: 'refresh-ended' },
    ]);
    expect(failedTwice).toMatchObject({ name: 'backing-off', failures: 2 });
    const recovered = run(failedTwice, [
      { type: 'refresh-started' },
      { type: 'stored', record: record(2, 4) },
      { type: 'refresh-ended' },
    ]);
    expect(recovered).toMatchObject({ name: 'fresh', record: { generation: 4 } });
  });

  it('deferred (another holder is sending the token): a fresh record refreshes no sooner than the deadline; nothing else moves', () => {
    const fresh = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    const refreshAt = dueAt(fresh) ?? 0;
    const deferred = run(fresh, [
      { type: 'refresh-started' },
      { type: 'deferred', until: refreshAt + 52_000 },
      { type: 'refresh-ended' },
    ]);
    expect(deferred).toMatchObject({ name: 'fresh', refreshAt: refreshAt + 52_000, record: { generation: 3 } });
    expect(tokenInUse(deferred)).toBe(heldRecord(fresh)?.token);
    expect(run(fresh, [{ type: 'deferred', until: refreshAt - 1 }])).toBe(fresh); // never earlier
    const backingOff = run(fresh, [{ type: 'failed', error: outage }]);
    expect(run(backingOff, [{ type: 'deferred', until: T0 + 10 ** 9 }])).toBe(backingOff);
    // The answer, once stored, replaces it with a plan of its own.
    const adopted = run(deferred, [{ type: 'stored', record: record(2, 4, T0 + 1000) }]);
    expect(adopted).toMatchObject({ name: 'fresh', record: { generation: 4 } });
    expect(dueAt(adopted)).toBe(plannedRefreshAt(token(2, T0 + 1000), timing));
  });

  it('a refreshed token whose write failed is unsaved and in use; the store decides between equal generations', () => {
    const fresh = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    const unsaved = run(fresh, [
      { type: 'refresh-started' },
      { type: 'unsaved', record: record(2, 4), claim: 'refreshed', error: outage },
      { type: 'refresh-ended' },
    ]);
    expect(unsaved).toMatchObject({ name: 'unsaved', claim: 'refreshed', failures: 1 });
    expect(tokenInUse(unsaved)?.accessToken).toBe('access-2');
    expect(run(unsaved, [{ type: 'failed', error: outage }])).toMatchObject({ name: 'unsaved', failures: 2 });
    expect(run(unsaved, [{ type: 'stored', record: record(1, 3) }])).toBe(unsaved); // an older store: ours stays
    // Another process wrote generation 4 first: its token wins, ours is dropped (never written over it).
    expect(run(unsaved, [{ type: 'stored', record: record(7, 4) }])).toMatchObject({
      name: 'fresh',
      record: { generation: 4, token: { accessToken: 'access-7' } },
    });
  });

  it('lost while refreshing ends the refresh at once, and refresh-ended leaves it lost', () => {
    const fresh = run(empty, [{ type: 'stored', record: record(1, 3) }]);
    const lost = run(fresh, [
      { type: 'refresh-started' },
      { type: 'lost', error: lostError },
      { type: 'refresh-ended' },
    ]);
    expect(lost).toMatchObject({ name: 'lost', record: { generation: 3 } });
  });

  it('a load that failed backs off with no record; a later stored record makes it fresh', () => {
    const backingOff = run(empty, [{ type: 'failed', error: outage }]);
    expect(backingOff).toMatchObject({ name: 'backing-off', record: undefined, failures: 1 });
    expect(tokenInUse(backingOff)).toBeUndefined();
    expect(run(backingOff, [{ type: 'stored', record: record(1, 0) }])).toMatchObject({ name: 'fresh' });
  });
});
