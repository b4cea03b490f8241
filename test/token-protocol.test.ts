import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenManager, UserToken, type AppCredentials, type TokenManagerOptions } from '../src/index.js';
import {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  ManualClock,
  startFakeTwitch,
  type FakeTwitch,
  type FakeTwitchOptions,
} from '../src/testing/index.js';
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
    const first = await b.refresh(token.accessToken);
    const second = await b.refresh(first.accessToken);
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
    const refreshed = await a.refresh(newest.accessToken);
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
    const bResult = await b.refresh(token.accessToken).catch((error: unknown) => error);
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

  it('(public client) the other manager is refused, reports once, and is revived when the unsaved token lands', async () => {
    const { shared, a, b, onInvalid, unsaved } = await unsavedWhileOtherRefreshes(publicApp, DEMO_PUBLIC_APP.clientId);
    // B spent the refresh token A had spent (the store never learned of A's): Twitch refused it, and
    // the store held nothing newer, so B reported the login lost.
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
    // Each learned it by spending the stored refresh token once, refused, with nothing newer stored.
    expect(fake.requestsTo('/token')).toHaveLength(3);
    expect(all.map((each) => each.running)).toEqual([false, false, false]);

    const relogin = loginToken();
    await all[1]?.setToken(relogin);
    await clock.advance(60_000, settledAll); // the others re-read the store
    for (const each of all) expect(await each.getAccessToken()).toBe(relogin.accessToken);
    expect(all.map((each) => each.running)).toEqual([true, true, true]);
    await clock.advance(10 * HOUR, settledAll);
    expect(reports.sort()).toEqual(['a', 'b', 'c']);
    // The revoked refresh token was tried once per manager, never again; the new login lives on.
    const revokedTries = fake
      .requestsTo('/token')
      .filter((request) => request.form['refresh_token'] === token.refreshToken);
    expect(revokedTries).toHaveLength(3);
    expect(await works(all[2]?.token?.accessToken)).toBe(true);
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
