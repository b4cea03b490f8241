import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ReauthenticationRequiredError,
  TokenManager,
  UserToken,
  type AppCredentials,
  type TokenLease,
  type TokenManagerOptions,
  type TokenRecord,
  type TokenStore,
} from '../src/index.js';
import {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  ManualClock,
  startFakeTwitch,
  type FakeTwitch,
  type FakeTwitchOptions,
} from '../src/testing/index.js';
import { refreshCallLimitMs } from '../src/lifecycle/token-timing.js';
import { FaultyStoreView, Gate, SharedStore } from './support/faulty-store.js';

// The refresh protocol between managers sharing a store ("processes"), with faults injected into a
// fake STORE (lapsed leases, failed or late writes, data loss); Twitch is the real fake over HTTP.
// Every test counts what was lost: refresh tokens spent twice, managers that reported a lost
// login, and whether the stored token works at the end.

const HOUR = 3_600_000;
const LIFETIME_S = 14_124;
const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
const publicApp = { appId: DEMO_PUBLIC_APP.clientId };

let clock: ManualClock;
let fake: FakeTwitch;
const managers: TokenManager[] = [];

async function startFake(options: FakeTwitchOptions = {}): Promise<void> {
  await fake.close();
  fake = await startFakeTwitch({ now: () => clock.now(), ...options });
}

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2026-11-24T00:00:00Z'));
  fake = await startFakeTwitch({ now: () => clock.now() });
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
  await fake.close();
});

function loginToken(clientId = DEMO_APP.clientId): UserToken {
  return fake.issueUserToken({ clientId, scopes: ['chat:read'] });
}

function manager(token: UserToken | undefined, options: TokenManagerOptions, credentials: AppCredentials = app) {
  const created = new TokenManager(credentials, token, {
    clock,
    authBaseUrl: fake.authBaseUrl,
    retry: { limit: 0 },
    ...options,
  });
  managers.push(created);
  return created;
}

const settledAll = (): Promise<unknown> => Promise.all(managers.map((each) => each.settled()));

/** How long a holder waits for another's confirmed refresh (the managers here: 10 s requests, no retry: 12 s). */
const GRACE_MS = refreshCallLimitMs({ retry: { limit: 0 } });

/**
 * Moves the manual clock on in small steps, letting the work each step wakes (store reads, real
 * HTTP) reach its next timer: a manager waiting for another holder's outcome polls the store.
 */
async function passTime(ms: number): Promise<void> {
  for (let passed = 0; passed < ms; passed += 250) {
    await clock.advance(Math.min(250, ms - passed));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** `work`, with the clock moving on until it settles (at most a minute of clock time). */
async function withTimePassing<T>(work: Promise<T>): Promise<T> {
  const progress = { settled: false };
  work.then(
    () => (progress.settled = true),
    () => (progress.settled = true),
  );
  for (let passed = 0; !progress.settled && passed < 60_000; passed += 250) await passTime(250);
  return work;
}

/**
 * `holder` refreshes `token`: its request reaches Twitch (which rotates the token), its lease lapses
 * right after its confirm, and its write of the answer waits for `landed` (it was stopped).
 */
async function stoppedAfterItsRequest(holder: TokenManager, view: FaultyStoreView, token: UserToken) {
  const landed = new Gate();
  view.holdWrites = landed;
  view.afterConfirm = async (lease) => {
    view.afterConfirm = undefined;
    await lease.lapse();
  };
  const aRefresh = holder.refresh(token.accessToken);
  await vi.waitFor(() => {
    expect(fake.requestsTo('/token')).toHaveLength(1); // Twitch rotated the token; the holder has the answer
  });
  return { landed, aRefresh };
}

/** Refresh tokens sent to /token more than once (each repeat is a double spend). */
function doubleSpends(): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const request of fake.requestsTo('/token')) {
    const refreshToken = request.form['refresh_token'] ?? '';
    if (seen.has(refreshToken)) repeats += 1;
    seen.add(refreshToken);
  }
  return repeats;
}

/** Whether Twitch (the fake) still accepts the access token. */
async function works(accessToken: string | undefined): Promise<boolean> {
  const response = await fetch(`${fake.authBaseUrl}/validate`, {
    headers: { Authorization: `OAuth ${accessToken ?? ''}` },
  });
  await response.arrayBuffer();
  return response.status === 200;
}

describe('a holder that stalled past its lease', () => {
  /**
   * A confirms generation 1 and stalls before its request leaves (the documented window); its lease
   * lapses meanwhile and B refreshes twice. Then A goes on.
   */
  async function stalledHolder(credentials: AppCredentials, clientId: string) {
    const shared = new SharedStore();
    const [viewA, viewB] = [new FaultyStoreView(shared), new FaultyStoreView(shared)];
    const onInvalid = vi.fn();
    const token = loginToken(clientId);
    const a = manager(token, { store: viewA, onInvalid }, credentials);
    await a.flush();
    const b = manager(undefined, { store: viewB, onInvalid }, credentials);
    expect(await b.getAccessToken()).toBe(token.accessToken);

    const confirmed = new Gate();
    const stall = new Gate();
    viewA.afterConfirm = async (lease) => {
      viewA.afterConfirm = undefined;
      await lease.lapse(); // the lock lifetime ran out while A stalled
      confirmed.open();
      await stall.opened;
    };
    const aRefresh = a.refresh(token.accessToken);
    await confirmed.opened;
    // B finds generation 1 marked as being sent by A: it waits for A's outcome, then gives up on A.
    const bFirst = b.refresh(token.accessToken);
    await passTime(GRACE_MS - 500);
    expect(fake.requestsTo('/token')).toHaveLength(0);
    const first = await withTimePassing(bFirst);
    const second = await b.refresh(first.accessToken); // its own mark: no wait
    stall.open();
    const aResult = await aRefresh;
    return { shared, a, b, onInvalid, aResult, second };
  }

  it('(confidential client) cannot roll the store back: its late write of generation 2 is refused, and it adopts generation 3', async () => {
    const { shared, a, onInvalid, aResult, second } = await stalledHolder(app, DEMO_APP.clientId);
    expect(fake.requestsTo('/token')).toHaveLength(3); // A's request did reach Twitch, after B's two
    expect(aResult.accessToken).toBe(second.accessToken);
    expect(a.token?.accessToken).toBe(second.accessToken);
    expect(a.generation).toBe(3);
    expect(shared.writtenGenerations('default')).toEqual([1, 2, 3]); // never back to 2
    expect((await shared.read('default'))?.token.accessToken).toBe(second.accessToken);
    expect(onInvalid).not.toHaveBeenCalled();
    expect(await works(second.accessToken)).toBe(true);
  });

  it('(public client) is refused by Twitch, re-reads the store, finds generation 3 and adopts it silently: no onInvalid', async () => {
    const { shared, a, onInvalid, aResult, second } = await stalledHolder(publicApp, DEMO_PUBLIC_APP.clientId);
    // The one double spend this window allows: A's request carried the refresh token B spent first;
    // Twitch refused it, and nothing was lost.
    expect(doubleSpends()).toBe(1);
    expect(aResult.accessToken).toBe(second.accessToken);
    expect(a.generation).toBe(3);
    expect(shared.writtenGenerations('default')).toEqual([1, 2, 3]);
    expect(onInvalid).not.toHaveBeenCalled();
    expect(await works(second.accessToken)).toBe(true);
  });
});

describe('a holder whose request reached Twitch before its lease lapsed (it stopped, or the store lost the lock)', () => {
  /**
   * A confirms generation 1 and sends its refresh token; its lease lapses right away, and A's write
   * of the answer is held at `landed` (A was stopped after its request left). Then B refreshes.
   */
  async function answerNotStoredYet(options: { loseData?: boolean } = {}) {
    const shared = new SharedStore();
    const [viewA, viewB, viewC] = [
      new FaultyStoreView(shared),
      new FaultyStoreView(shared),
      new FaultyStoreView(shared),
    ];
    const reports: string[] = [];
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    const a = manager(token, { store: viewA, onInvalid: () => reports.push('a') }, publicApp);
    await a.flush();
    const b = manager(undefined, { store: viewB, onInvalid: () => reports.push('b') }, publicApp);
    const c = manager(undefined, { store: viewC, onInvalid: () => reports.push('c') }, publicApp);
    await b.getAccessToken();
    await c.getAccessToken();
    const { landed, aRefresh } = await stoppedAfterItsRequest(a, viewA, token);
    // A Redis restart without persistence: the record and the lock are gone.
    if (options.loseData === true) await shared.delete('default');
    const bRefresh = b.refresh(token.accessToken);
    return { shared, a, b, c, reports, landed, aRefresh, bRefresh };
  }

  it('the next holder waits for the answer to be stored and adopts it: nothing spent twice, no report', async () => {
    const { shared, b, reports, landed, aRefresh, bRefresh } = await answerNotStoredYet();
    await passTime(GRACE_MS / 2); // A is stopped for a while
    expect(fake.requestsTo('/token')).toHaveLength(1);
    landed.open();
    const adopted = await withTimePassing(bRefresh);
    expect(adopted.accessToken).toBe((await aRefresh).accessToken);
    expect(b.generation).toBe(2);
    expect(doubleSpends()).toBe(0);
    expect(reports).toEqual([]);
    expect(shared.writtenGenerations('default')).toEqual([1, 2]);
    expect(await works(adopted.accessToken)).toBe(true);
  });

  it('a store that lost the record and the lock meanwhile is restored as "maybe being sent": the same outcome', async () => {
    const { shared, reports, landed, aRefresh, bRefresh } = await answerNotStoredYet({ loseData: true });
    await passTime(GRACE_MS / 2);
    const restored = (await shared.read('default'))?.spend;
    expect(restored?.state).toBe('sending');
    expect(restored?.state === 'sending' ? restored.by : '').toMatch(/^restored:/);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    landed.open();
    const adopted = await withTimePassing(bRefresh);
    expect(adopted.accessToken).toBe((await aRefresh).accessToken);
    expect(doubleSpends()).toBe(0);
    expect(reports).toEqual([]);
    expect(shared.writtenGenerations('default')).toEqual([1, 1, 2]); // restored, then A's answer
  });

  it('stopped past the grace: one refusal, marked in the record, reported once per manager; the late answer revives all', async () => {
    const { shared, a, b, c, reports, landed, aRefresh, bRefresh } = await answerNotStoredYet();
    await expect(withTimePassing(bRefresh)).rejects.toThrow(/refused/);
    expect(doubleSpends()).toBe(1); // B gave up on A after the grace and sent the token again
    expect((await shared.read('default'))?.spend).toEqual({ state: 'refused', appId: DEMO_PUBLIC_APP.clientId });
    // C learns it from the record: no third request.
    await expect(c.refresh()).rejects.toThrow(/another process/);
    expect(fake.requestsTo('/token')).toHaveLength(2);
    expect(reports.sort()).toEqual(['b', 'c']);
    landed.open(); // A resumes: its answer is generation 2, over the refused generation 1
    const live = await aRefresh;
    expect(a.generation).toBe(2);
    await clock.advance(60_000); // B and C re-read the store while lost
    expect(await b.getAccessToken()).toBe(live.accessToken);
    expect(await c.getAccessToken()).toBe(live.accessToken);
    expect(reports.sort()).toEqual(['b', 'c']);
    expect(shared.writtenGenerations('default')).toEqual([1, 2]);
    expect(await works(live.accessToken)).toBe(true);
  });
});

describe("a scheduled refresh that finds another holder's answer still due", () => {
  it('defers instead of waiting: the lock is free at once, callers keep the valid token with no I/O, and it adopts the answer when due', async () => {
    const shared = new SharedStore();
    const [viewA, viewB] = [new FaultyStoreView(shared), new FaultyStoreView(shared)];
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    const a = manager(token, { store: viewA }, publicApp);
    await a.flush();
    const b = manager(undefined, { store: viewB }, publicApp);
    await b.getAccessToken();
    await clock.advance((LIFETIME_S - 250) * 1000); // both past the refresh deadline, the token still valid
    // A's request reaches Twitch; its lease lapses and its write is held (A was stopped).
    const { landed, aRefresh } = await stoppedAfterItsRequest(a, viewA, token);
    b.start({ validatedAt: clock.now() });
    await b.settled(); // B's timed refresh ran at once (it was due), and returned
    expect(b.token?.accessToken).toBe(token.accessToken);
    const free = await shared.lock('default'); // nobody holds the lock (B gave it back)
    await free.release();
    const reads = vi.spyOn(viewB, 'read');
    for (let call = 0; call < 100; call++) expect(await b.getAccessToken()).toBe(token.accessToken);
    expect(reads).not.toHaveBeenCalled();
    expect(fake.requestsTo('/token')).toHaveLength(1);
    landed.open();
    const live = await aRefresh;
    await clock.advance(GRACE_MS, () => b.settled()); // the answer is due: B reads and adopts it
    expect(b.token?.accessToken).toBe(live.accessToken);
    expect(b.generation).toBe(2);
    expect(doubleSpends()).toBe(0);
  });

  it('in one process, a store that lost its record does not hold a timed refresh (or ManualClock.advance) up', async () => {
    const store = new SharedStore();
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    const only = manager(token, { store, refreshJitterMs: 0 }, publicApp).start();
    await only.settled();
    const refreshAt = token.obtainedAt + (LIFETIME_S - 300) * 1000; // 5 minutes before expiry, no jitter
    await clock.advance(refreshAt - 5000 - clock.now(), () => only.settled()); // the hourly checks are done
    await store.delete('default'); // the file was deleted, Redis restarted empty
    // The timed refresh restores the record "maybe being sent" and defers to the mark's deadline, so
    // advance() with settled() returns instead of waiting on this clock forever.
    await clock.advance(5000 + GRACE_MS / 2, () => only.settled());
    const restored = (await store.read('default'))?.spend;
    expect(restored?.state === 'sending' ? restored.by : '').toMatch(/^restored:/);
    expect(fake.requestsTo('/token')).toHaveLength(0);
    expect(only.token?.accessToken).toBe(token.accessToken); // still valid: served meanwhile
    await clock.advance(GRACE_MS, () => only.settled()); // nobody answered: it refreshes itself
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expect(only.generation).toBe(2);
  });
});

describe("how long a holder waits for another one's answer", () => {
  it("as long as the SENDER's refresh call can take (its retries included), whatever its own options", async () => {
    const shared = new SharedStore();
    const [viewA, viewB] = [new FaultyStoreView(shared), new FaultyStoreView(shared)];
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    // A retries (3 attempts of 10 s, waits of up to 10 s: 52 s); B does not (12 s).
    const retrying = { limit: 2, maxDelayMs: 10_000 };
    const a = manager(token, { store: viewA, retry: retrying }, publicApp);
    await a.flush();
    const b = manager(undefined, { store: viewB }, publicApp);
    await b.getAccessToken();
    const stall = new Gate();
    viewA.afterConfirm = async (lease) => {
      viewA.afterConfirm = undefined;
      await lease.lapse();
      await stall.opened; // A is between attempts, or its request is on the way
    };
    const confirmedAt = clock.now();
    const aRefresh = a.refresh(token.accessToken);
    await vi.waitFor(async () => {
      expect((await shared.read('default'))?.spend?.state).toBe('sending');
    });
    const mark = (await shared.read('default'))?.spend;
    expect(mark?.state === 'sending' ? mark.until - confirmedAt : 0).toBe(refreshCallLimitMs({ retry: retrying }));
    const bRefresh = b.refresh(token.accessToken);
    await passTime(40_000); // far past B's own 12 s
    expect(fake.requestsTo('/token')).toHaveLength(0);
    stall.open();
    const live = await aRefresh;
    expect((await withTimePassing(bRefresh)).accessToken).toBe(live.accessToken);
    expect(doubleSpends()).toBe(0);
  });

  it('not at all for a stale mark (a holder that died or failed long ago) nor for its own', async () => {
    const shared = new SharedStore();
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    const stale = { state: 'sending', by: 'a-process-that-died', until: clock.now() - 1 } as const;
    await shared.writeIfNewer('default', { token, generation: 1, spend: stale });
    const b = manager(undefined, { store: shared }, publicApp);
    const first = await b.refresh(token.accessToken); // no time passes: it would hang if it waited
    expect(first.accessToken).not.toBe(token.accessToken);
    expect((await shared.read('default'))?.spend).toBeUndefined(); // generation 2, no mark yet
    // Its own mark (an attempt that failed after confirm) does not hold it back either.
    fake.injectFault({ endpoint: '/token', status: 503, times: 1 });
    await expect(b.refresh(first.accessToken)).rejects.toThrow();
    const own = (await shared.read('default'))?.spend;
    expect(own?.state).toBe('sending');
    const second = await b.refresh(first.accessToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    // The 503'd attempt and this one sent the same refresh token: a 503 is Twitch not rotating it.
    expect(doubleSpends()).toBe(1);
  });
});

describe('a store that lost data', () => {
  async function withLostData() {
    const shared = new SharedStore();
    const onInvalid = vi.fn();
    const a = manager(loginToken(DEMO_PUBLIC_APP.clientId), { store: shared, onInvalid }, publicApp);
    await a.flush();
    await a.refresh();
    const older = await shared.read('default');
    const newest = await a.refresh();
    expect(a.generation).toBe(3);
    // The store comes back from an old snapshot: generation 2, whose refresh token Twitch has spent.
    if (older === undefined) throw new Error('nothing stored');
    await shared.loseData('default', older);
    return { shared, a, onInvalid, newest, older };
  }

  it('is restored by the manager holding the newer generation before it spends anything', async () => {
    const { shared, a, onInvalid, newest } = await withLostData();
    const refreshing = a.refresh(newest.accessToken);
    // Restored as "maybe being sent": the lock that said who sends it was lost with the data.
    await passTime(GRACE_MS - 500);
    expect((await shared.read('default'))?.spend?.state).toBe('sending');
    expect(fake.requestsTo('/token')).toHaveLength(2); // the two refreshes before the loss
    const refreshed = await withTimePassing(refreshing);
    expect(refreshed.accessToken).not.toBe(newest.accessToken);
    expect(a.generation).toBe(4);
    expect(shared.history.map((event) => `${event.kind} ${String(event.generation)}`)).toEqual([
      'written 1',
      'written 2',
      'written 3',
      'lost data 2',
      'written 3', // restored first: the generation spent is always the stored one
      'written 4',
    ]);
    expect(doubleSpends()).toBe(0);
    expect(onInvalid).not.toHaveBeenCalled();
    // Another manager starting from the store gets the live token, not the spent one.
    const b = manager(undefined, { store: shared }, publicApp);
    expect(await b.getAccessToken()).toBe(refreshed.accessToken);
  });

  it('is restored at the hourly check without a refresh', async () => {
    const { shared, a, newest } = await withLostData();
    a.start({ validatedAt: clock.now() });
    fake.clearRecords();
    await clock.advance(HOUR, settledAll);
    expect(fake.requests.map((request) => request.endpoint)).toEqual(['/validate']);
    expect((await shared.read('default'))?.generation).toBe(3);
    expect((await shared.read('default'))?.token.accessToken).toBe(newest.accessToken);
  });
});

describe('a manager holding an unsaved token while another refreshes', () => {
  async function unsavedWhileOtherRefreshes(credentials: AppCredentials, clientId: string) {
    const shared = new SharedStore();
    const [viewA, viewB] = [new FaultyStoreView(shared), new FaultyStoreView(shared)];
    const onInvalid = vi.fn<(name: string) => void>();
    const token = loginToken(clientId);
    const a = manager(
      token,
      {
        store: viewA,
        onInvalid: () => {
          onInvalid('a');
        },
      },
      credentials,
    );
    await a.flush();
    const b = manager(
      undefined,
      {
        store: viewB,
        onInvalid: () => {
          onInvalid('b');
        },
      },
      credentials,
    );
    await b.getAccessToken();
    viewA.failWrites = true;
    const unsaved = await a.refresh(token.accessToken); // Twitch rotated it; the write failed
    expect(a.token?.accessToken).toBe(unsaved.accessToken);
    expect(viewA.failedWrites).toBe(1);
    // B finds generation 1 marked as being sent by A, waits for A's outcome for the grace, then spends.
    const bResult = await withTimePassing(b.refresh(token.accessToken).catch((error: unknown) => error));
    viewA.failWrites = false;
    return { shared, a, b, onInvalid, unsaved, bResult };
  }

  it('(confidential client) never writes its token over the newer one: its retry is refused and it adopts the other', async () => {
    const { shared, a, b, onInvalid, unsaved, bResult } = await unsavedWhileOtherRefreshes(app, DEMO_APP.clientId);
    expect(bResult).toBeInstanceOf(UserToken);
    await a.flush(); // the retry: writeIfNewer, refused
    expect(a.token?.accessToken).toBe(b.token?.accessToken);
    expect(shared.history.some((event) => event.accessToken === unsaved.accessToken)).toBe(false);
    expect(shared.writtenGenerations('default')).toEqual([1, 2]);
    expect(onInvalid).not.toHaveBeenCalled();
    expect(await works(a.token?.accessToken)).toBe(true);
  });

  it('(public client) when the unsaved token lands while the other waits, the other adopts it: nothing spent twice', async () => {
    const shared = new SharedStore();
    const [viewA, viewB] = [new FaultyStoreView(shared), new FaultyStoreView(shared)];
    const onInvalid = vi.fn();
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    const a = manager(token, { store: viewA, onInvalid }, publicApp);
    await a.flush();
    const b = manager(undefined, { store: viewB, onInvalid }, publicApp);
    await b.getAccessToken();
    viewA.failWrites = true;
    const unsaved = await a.refresh(token.accessToken);
    const bRefresh = b.refresh(token.accessToken);
    await passTime(GRACE_MS / 2);
    viewA.failWrites = false;
    await a.flush(); // A's retry lands while B waits
    expect((await withTimePassing(bRefresh)).accessToken).toBe(unsaved.accessToken);
    expect(doubleSpends()).toBe(0);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expect(onInvalid).not.toHaveBeenCalled();
    expect(shared.writtenGenerations('default')).toEqual([1, 2]);
  });

  it('(public client) when it lands after the grace, the other manager is refused, reports once, and is revived', async () => {
    const { shared, a, b, onInvalid, unsaved } = await unsavedWhileOtherRefreshes(publicApp, DEMO_PUBLIC_APP.clientId);
    // B waited for A's outcome for the grace, then spent the refresh token A had spent (the store never
    // learned of A's): Twitch refused it, and the store held nothing newer, so B reported the login lost.
    expect(doubleSpends()).toBe(1);
    expect(onInvalid.mock.calls).toEqual([['b']]);
    await a.flush(); // A's retry lands: generation 2
    expect(shared.writtenGenerations('default')).toEqual([1, 2]);
    await clock.advance(60_000); // B's next re-read of the store
    expect(await b.getAccessToken()).toBe(unsaved.accessToken);
    expect(onInvalid.mock.calls).toEqual([['b']]);
    expect(await works(unsaved.accessToken)).toBe(true);
  });
});

describe('a login that is really lost', () => {
  it('is reported once by every manager sharing the store, and one setToken() revives them all', async () => {
    const shared = new SharedStore();
    const reports: string[] = [];
    const token = loginToken();
    fake.identity.revokeRefreshToken(token.refreshToken); // the user disconnected the app
    const names = ['a', 'b', 'c'];
    const all = names.map((name, index) =>
      manager(index === 0 ? token : undefined, {
        store: shared,
        onInvalid: () => reports.push(name),
      }),
    );
    await all[0]?.flush();
    for (const each of all) each.start();
    await settledAll(); // the first run of each: validation
    await clock.advance(LIFETIME_S * 1000, settledAll);
    expect(reports.sort()).toEqual(['a', 'b', 'c']);
    // The first to spend it was refused and marked the record refused; the others read that and
    // reported the loss without sending the token again.
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expect((await shared.read('default'))?.spend).toEqual({ state: 'refused', appId: DEMO_APP.clientId });
    expect(all.map((each) => each.running)).toEqual([false, false, false]);

    const relogin = loginToken();
    await all[1]?.setToken(relogin);
    await clock.advance(60_000, settledAll); // the others re-read the store
    for (const each of all) expect(await each.getAccessToken()).toBe(relogin.accessToken);
    expect(all.map((each) => each.running)).toEqual([true, true, true]);
    await clock.advance(10 * HOUR, settledAll);
    expect(reports.sort()).toEqual(['a', 'b', 'c']);
    // The revoked refresh token was tried once in all, never again; the new login lives on.
    const revokedTries = fake
      .requestsTo('/token')
      .filter((request) => request.form['refresh_token'] === token.refreshToken);
    expect(revokedTries).toHaveLength(1);
    expect(await works(all[2]?.token?.accessToken)).toBe(true);
  });
});

describe('a custom store that predates spend marks', () => {
  /** A store that hands out marks without a deadline and leases without markRefused (older code). */
  function olderStore(shared: SharedStore): TokenStore {
    return {
      read: async (key) => {
        const record = await shared.read(key);
        if (record?.spend?.state !== 'sending') return record;
        return { ...record, spend: { state: 'sending', by: record.spend.by } } as unknown as TokenRecord;
      },
      writeIfNewer: (key, record) => shared.writeIfNewer(key, record),
      lock: async (key, options) => {
        const lease = await shared.lock(key, options);
        return {
          confirm: (generation, mark) => lease.confirm(generation, mark),
          release: () => lease.release(),
        } as TokenLease;
      },
      keys: () => shared.keys(),
      delete: (key) => shared.delete(key),
    };
  }

  it('a mark without a deadline is due at once: no wait, no spin', async () => {
    const shared = new SharedStore();
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    await shared.writeIfNewer('default', {
      token,
      generation: 1,
      spend: { state: 'sending', by: 'someone-else', until: clock.now() + HOUR },
    });
    const reads = vi.spyOn(shared, 'read');
    const b = manager(undefined, { store: olderStore(shared) }, publicApp);
    const refreshed = await b.refresh(token.accessToken); // no time passes: it would hang if it waited
    expect(refreshed.accessToken).not.toBe(token.accessToken);
    expect(reads.mock.calls.length).toBeLessThan(5);
  });

  it('a lease without markRefused: the lost login is still reported', async () => {
    const shared = new SharedStore();
    const token = loginToken(DEMO_PUBLIC_APP.clientId);
    fake.identity.revokeRefreshToken(token.refreshToken);
    const onInvalid = vi.fn();
    const b = manager(token, { store: olderStore(shared), onInvalid }, publicApp);
    await b.flush();
    await expect(b.refresh(token.accessToken)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    expect(onInvalid).toHaveBeenCalledTimes(1);
  });
});

describe('a process started with the wrong app id', () => {
  it('is refused and marks the token refused for its app only: the rightly configured ones still refresh', async () => {
    const shared = new SharedStore();
    const token = loginToken(DEMO_APP.clientId);
    const right = manager(token, { store: shared }, app);
    await right.flush();
    const wrongReports = vi.fn();
    const wrong = manager(undefined, { store: shared, onInvalid: wrongReports }, publicApp);
    await wrong.getAccessToken();
    // Twitch refuses a refresh token sent with another app's client id as "Invalid refresh token".
    await expect(wrong.refresh(token.accessToken)).rejects.toThrow(/refused/);
    expect(wrongReports).toHaveBeenCalledTimes(1);
    expect((await shared.read('default'))?.spend).toEqual({ state: 'refused', appId: DEMO_PUBLIC_APP.clientId });
    const refreshed = await right.refresh(token.accessToken);
    expect(refreshed.accessToken).not.toBe(token.accessToken);
    expect(right.generation).toBe(2);
    expect(await works(refreshed.accessToken)).toBe(true);
  });
});

describe('tokens that claim expires_in 0', () => {
  function alwaysExpired(): void {
    fake.injectFault({
      endpoint: '/token',
      status: 200,
      times: Infinity,
      body: JSON.stringify({
        access_token: 'x'.repeat(30),
        expires_in: 0,
        refresh_token: 'r'.repeat(50),
        scope: ['chat:read'],
        token_type: 'bearer',
      }),
    });
  }

  it('refresh at most once per minRefreshIntervalMs however often getAccessToken() is called', async () => {
    alwaysExpired();
    const tokens = manager(loginToken(), {});
    await clock.advance(LIFETIME_S * 1000);
    for (let call = 0; call < 2000; call++) {
      await tokens.getAccessToken();
      await clock.advance(5); // 10 simulated seconds in all
    }
    const refreshes = fake.requestsTo('/token').length;
    expect(refreshes).toBeGreaterThanOrEqual(9);
    expect(refreshes).toBeLessThanOrEqual(11);
  });

  it('refresh at most once a second from the timers too', async () => {
    alwaysExpired();
    const tokens = manager(loginToken(), {}).start();
    await tokens.settled();
    await clock.advance(LIFETIME_S * 1000, () => tokens.settled());
    fake.clearRecords();
    await clock.advance(60_000, () => tokens.settled());
    expect(fake.requestsTo('/token').length).toBeLessThanOrEqual(61);
  });
});

describe('a public client shared by several managers', () => {
  it('spends every refresh token once over many short-lived tokens, with concurrent callers in every manager', async () => {
    await startFake({ lifetimes: { userTokenSeconds: 600 } });
    const shared = new SharedStore();
    const onInvalid = vi.fn();
    const all = Array.from({ length: 4 }, (_, index) =>
      manager(index === 0 ? loginToken(DEMO_PUBLIC_APP.clientId) : undefined, { store: shared, onInvalid }, publicApp),
    );
    await all[0]?.flush();
    for (const each of all) each.start();
    await settledAll();
    const expired: string[] = [];
    for (let minute = 0; minute < 120; minute++) {
      await clock.advance(60_000, settledAll);
      const tokens = await Promise.all(all.flatMap((each) => Array.from({ length: 20 }, () => each.getAccessToken())));
      for (const accessToken of new Set(tokens)) if (!(await works(accessToken))) expired.push(accessToken);
    }
    const refreshes = fake.requestsTo('/token').length;
    expect(refreshes).toBeGreaterThanOrEqual(22); // a 600 s token refreshes at half-life, minus jitter
    expect(doubleSpends()).toBe(0);
    expect(shared.writtenGenerations('default')).toEqual(
      Array.from({ length: refreshes + 1 }, (_, index) => index + 1),
    );
    expect(onInvalid).not.toHaveBeenCalled();
    expect(expired).toEqual([]);
  }, 60_000);
});
