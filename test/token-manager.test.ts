import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryTokenStore,
  MissingScopeError,
  ReauthenticationRequiredError,
  TokenManager,
  TokenStoreError,
  TwitchBackendError,
  UserToken,
  type AppCredentials,
  type LockOptions,
  type TokenManagerOptions,
  type TokenRecord,
  type TokenStore,
  type UserTokenData,
  type UserTokenJSON,
} from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, ManualClock, startFakeTwitch, type FakeTwitch } from '../src/testing/index.js';
import { rejectionOf } from './support/fake.js';

/** Yields until `condition` holds (real time: lets HTTP round trips finish). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

const HOUR = 3_600_000;
const LIFETIME_S = 14_124; // the fake's user token lifetime, as Twitch's example
const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
const publicApp = { appId: DEMO_PUBLIC_APP.clientId };

let clock: ManualClock;
let fake: FakeTwitch;

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2026-11-24T00:00:00Z'));
  fake = await startFakeTwitch({ now: () => clock.now() });
});
afterEach(async () => {
  await fake.close();
});

/** A token minted at the fake, as the manager would get it from a login. */
function loginToken(scopes: string[] = ['chat:read'], clientId = DEMO_APP.clientId): UserToken {
  return fake.issueUserToken({ clientId, scopes }); // obtainedAt from the fake's clock, the manual one
}

function manager(
  token: UserTokenData | undefined,
  options: TokenManagerOptions = {},
  credentials: AppCredentials = app,
): TokenManager {
  return new TokenManager(credentials, token, {
    clock,
    authBaseUrl: fake.authBaseUrl,
    retry: { limit: 0 },
    ...options,
  });
}

describe('TokenManager.getAccessToken', () => {
  it('returns the cached token while it is fresh, without any request', async () => {
    const token = loginToken();
    const tokens = manager(token);
    for (let call = 0; call < 1000; call++) expect(await tokens.getAccessToken()).toBe(token.accessToken);
    expect(fake.requests).toHaveLength(0);
  });

  it('refreshes a token within refreshMarginMs of expiry first, and stores it before handing it out', async () => {
    const token = loginToken();
    const events: string[] = [];
    const store = new MemoryTokenStore();
    const recording: TokenStore = {
      read: (key) => store.read(key),
      writeIfNewer: async (key, record) => {
        const outcome = await store.writeIfNewer(key, record);
        if (outcome.written) events.push(`stored ${record.token.accessToken}`);
        return outcome;
      },
      lock: (key, options) => store.lock(key, options),
      keys: () => store.keys(),
      delete: (key) => store.delete(key),
    };
    const tokens = manager(token, { store: recording, refreshMarginMs: 300_000 });
    await clock.advance(LIFETIME_S * 1000 - 299_000);
    const fresh = await tokens.getAccessToken();
    events.push(`handed out ${fresh}`);
    expect(fresh).not.toBe(token.accessToken);
    // The given token is written first: a refresh token is spent only at a generation the store holds.
    expect(events).toEqual([`stored ${token.accessToken}`, `stored ${fresh}`, `handed out ${fresh}`]);
    expect((await store.read('default'))?.token.accessToken).toBe(fresh);
  });

  it('makes ONE refresh request for 100 concurrent calls at expiry', async () => {
    const tokens = manager(loginToken());
    await clock.advance(LIFETIME_S * 1000);
    const results = await Promise.all([
      ...Array.from({ length: 100 }, () => tokens.getAccessToken()),
      tokens.refresh().then((token) => token.accessToken),
    ]);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
  });

  it('keeps a still-valid token in use when the refresh fails transiently, and does not hammer Twitch', async () => {
    const token = loginToken();
    const onRefreshFailure = vi.fn();
    const tokens = manager(token, { onRefreshFailure });
    fake.injectFault({ endpoint: '/token', status: 503, times: Infinity });
    await clock.advance(LIFETIME_S * 1000 - 200_000); // within the margin, not expired
    for (let call = 0; call < 50; call++) expect(await tokens.getAccessToken()).toBe(token.accessToken);
    expect(fake.requestsTo('/token')).toHaveLength(1); // the backoff holds the other 49 calls back
    expect(onRefreshFailure).toHaveBeenCalledTimes(1);
    expect(onRefreshFailure.mock.calls[0]?.[0]).toBeInstanceOf(TwitchBackendError);

    await clock.advance(200_000); // now expired: the caller gets the failure, not an expired token
    const error = await rejectionOf(tokens.getAccessToken());
    expect(error).toBeInstanceOf(TwitchBackendError);
  });

  it('rejects with ReauthenticationRequiredError when the store is empty and no token was given', async () => {
    const tokens = manager(undefined);
    expect(await rejectionOf(tokens.getAccessToken())).toBeInstanceOf(ReauthenticationRequiredError);
  });

  it('uses the token of the store when none is given', async () => {
    const store = new MemoryTokenStore();
    const token = loginToken();
    await store.writeIfNewer('bot', { token, generation: 1 });
    expect(await manager(undefined, { store, key: 'bot' }).getAccessToken()).toBe(token.accessToken);
  });
});

describe('TokenManager timers', () => {
  it('validates at start and exactly once an hour over a simulated day, refreshing before every expiry', async () => {
    const onRefresh = vi.fn();
    const onValidate = vi.fn();
    const tokens = manager(loginToken(), { onRefresh, onValidate }).start();
    await tokens.settled(); // the first run (validation) happens at start
    const expiredSeen: number[] = [];
    const start = clock.now();
    // Minute by minute, as a bot using its token would.
    for (let minute = 0; minute < 24 * 60; minute++) {
      await clock.advance(60_000, () => tokens.settled());
      const current = tokens.token;
      if (current?.isExpired(0, clock.now()) === true) expiredSeen.push(minute);
    }
    await tokens.stop();

    const validations = fake.requestsTo('/validate');
    expect(validations).toHaveLength(25); // at start, then at every hour of the day
    const hours = validations.map((request) => Math.floor((request.receivedAt - start) / HOUR));
    expect(hours).toEqual(Array.from({ length: 25 }, (_, hour) => hour));
    expect(onValidate).toHaveBeenCalledTimes(25);

    const refreshes = fake.requestsTo('/token');
    const window = LIFETIME_S * 1000 - 300_000;
    expect(refreshes).toHaveLength(Math.floor((24 * HOUR) / window));
    expect(onRefresh).toHaveBeenCalledTimes(refreshes.length);
    expect(expiredSeen).toEqual([]);
  });

  it('rides out a transient outage: keeps the token, retries with bounded backoff, recovers, never asks to log in again', async () => {
    const onInvalid = vi.fn();
    const onRefreshFailure = vi.fn();
    const token = loginToken();
    const tokens = manager(token, { onInvalid, onRefreshFailure }).start();
    await tokens.settled(); // the first run (validation) happens at start
    await clock.advance(LIFETIME_S * 1000 - 400_000, () => tokens.settled()); // before the refresh is due

    fake.injectFault({ endpoint: '/token', status: 503, times: Infinity });
    fake.clearRecords();
    await clock.advance(200_000, () => tokens.settled()); // the refresh falls due during the outage
    for (let minute = 0; minute < 3; minute++) {
      await clock.advance(60_000, () => tokens.settled());
      expect(await tokens.getAccessToken()).toBe(token.accessToken);
    }
    const attempts = fake.requestsTo('/token').length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(12); // backoff from 5 s: bounded, not a tight loop
    expect(onRefreshFailure).toHaveBeenCalledTimes(attempts);

    fake.clearFaults();
    await clock.advance(10 * 60_000, () => tokens.settled());
    expect(tokens.token?.accessToken).not.toBe(token.accessToken);
    expect(await tokens.getAccessToken()).toBe(tokens.token?.accessToken);
    expect(onInvalid).not.toHaveBeenCalled();
    await tokens.stop();
  });

  it('stops everything with one ReauthenticationRequiredError when the refresh token is revoked', async () => {
    const onInvalid = vi.fn();
    const token = loginToken();
    fake.identity.revokeRefreshToken(token.refreshToken);
    const tokens = manager(token, { onInvalid }).start();
    await tokens.settled(); // the first run (validation) happens at start
    await clock.advance(LIFETIME_S * 1000, () => tokens.settled());

    expect(onInvalid).toHaveBeenCalledTimes(1);
    const error = onInvalid.mock.calls[0]?.[0] as unknown;
    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    expect(String(error)).toMatch(/log in again/);
    expect(tokens.running).toBe(false);
    expect(clock.pendingTimers).toBe(1); // only the store re-read that would revive the login
    expect(await rejectionOf(tokens.getAccessToken())).toBe(error);
    expect(await rejectionOf(tokens.refresh())).toBe(error);
    const requests = fake.requests.length;
    await clock.advance(10 * HOUR);
    expect(fake.requests).toHaveLength(requests);

    const relogin = loginToken();
    await tokens.setToken(relogin);
    expect(await tokens.getAccessToken()).toBe(relogin.accessToken);
  });

  it('refreshes when validation answers 401', async () => {
    const token = loginToken();
    fake.identity.expireAccessToken(token.accessToken);
    const onRefresh = vi.fn();
    const tokens = manager(token, { onRefresh }).start();
    await tokens.settled(); // the first run (validation) happens at start
    expect(fake.requests.map((request) => request.endpoint)).toEqual(['/validate', '/token']);
    expect(onRefresh).toHaveBeenCalledTimes(1);
    await tokens.stop();
  });

  it('reports a token of another app as needing a new login, and lost scopes as MissingScopeError', async () => {
    const foreign = loginToken(['chat:read'], DEMO_PUBLIC_APP.clientId);
    const onInvalid = vi.fn();
    const other = manager(foreign, { onInvalid }).start();
    await other.settled(); // the first run (validation) happens at start
    expect(onInvalid).toHaveBeenCalledTimes(1);
    expect(String(onInvalid.mock.calls[0]?.[0])).toContain(`issued to the app ${DEMO_PUBLIC_APP.clientId}`);

    const granted = loginToken(['chat:read']);
    const claimed = new UserToken({ ...granted.toJSON(), scopes: ['chat:read', 'chat:edit'] });
    const onMissingScopes = vi.fn();
    const tokens = manager(claimed, { onMissingScopes }).start();
    await tokens.settled(); // the first run (validation) happens at start
    expect(onMissingScopes).toHaveBeenCalledTimes(1);
    const missing = onMissingScopes.mock.calls[0]?.[0] as MissingScopeError;
    expect(missing).toBeInstanceOf(MissingScopeError);
    expect(missing.missingScopes).toEqual(['chat:edit']);
    expect(await tokens.getAccessToken()).toBe(claimed.accessToken); // still in use
    await tokens.stop();
  });

  it('refreshes at once when a timer fires late after the machine slept', async () => {
    const token = loginToken();
    const tokens = manager(token).start();
    await tokens.settled(); // the first run (validation) happens at start
    fake.clearRecords();
    clock.jump(10 * HOUR); // asleep: no timer fired
    await clock.advance(0, () => tokens.settled());
    expect(fake.requests.map((request) => request.endpoint)).toEqual(['/token', '/validate']);
    expect(tokens.token?.isExpired(0, clock.now())).toBe(false);
    await tokens.stop();
  });

  it('does not loop on a token whose lifetime is shorter than the margin', async () => {
    const short = new UserToken({ ...loginToken().toJSON(), expiresIn: 2 });
    fake.injectFault({
      endpoint: '/token',
      status: 200,
      times: Infinity,
      body: JSON.stringify({
        access_token: 'x'.repeat(30),
        expires_in: 2,
        refresh_token: 'r'.repeat(50),
        scope: [],
        token_type: 'bearer',
      }),
    });
    const tokens = manager(short).start();
    await tokens.settled(); // the first run (validation) happens at start
    await clock.advance(60_000, () => tokens.settled());
    // Refreshed at half-life, but never more often than once a second.
    expect(fake.requestsTo('/token').length).toBeLessThanOrEqual(60);
    expect(fake.requestsTo('/token').length).toBeGreaterThan(10);
    await tokens.stop();
  });

  it('stops its timers on stop() and leaves none behind', async () => {
    const tokens = manager(loginToken()).start();
    await tokens.settled(); // the first run (validation) happens at start
    expect(clock.pendingTimers).toBe(1);
    await tokens.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(tokens.running).toBe(false);
  });
});

describe('TokenManager recovery and stores that fail', () => {
  /** A memory store whose writes fail while `failing` is true (reads and locks work). */
  function flakyStore(): TokenStore & {
    failing: boolean;
    writes: number;
    reads: number;
    get(key: string): Promise<UserToken | undefined>;
  } {
    const inner = new MemoryTokenStore();
    const broken = (): TokenStoreError =>
      new TokenStoreError({ path: '/data/tokens.json', reason: 'io' }, 'The disk is full (ENOSPC).');
    const store = {
      failing: false,
      writes: 0,
      reads: 0,
      read: (key: string) => {
        store.reads += 1;
        return inner.read(key);
      },
      get: async (key: string) => (await inner.read(key))?.token,
      writeIfNewer: (key: string, record: TokenRecord) => {
        store.writes += 1;
        return store.failing ? Promise.reject(broken()) : inner.writeIfNewer(key, record);
      },
      lock: (key: string, options?: LockOptions) => inner.lock(key, options),
      keys: () => inner.keys(),
      delete: (key: string) => inner.delete(key),
    };
    return store;
  }

  it('restarts the timers when setToken() follows a permanent failure', async () => {
    const onInvalid = vi.fn();
    const token = loginToken();
    fake.identity.revokeRefreshToken(token.refreshToken);
    fake.identity.expireAccessToken(token.accessToken);
    const tokens = manager(token, { onInvalid }).start();
    await tokens.settled();
    expect(onInvalid).toHaveBeenCalledTimes(1);
    expect(tokens.running).toBe(false);

    await tokens.setToken(loginToken());
    expect(tokens.running).toBe(true);
    await clock.advance(0, () => tokens.settled());
    fake.clearRecords();
    await clock.advance(5 * HOUR, () => tokens.settled());
    expect(fake.requestsTo('/validate')).toHaveLength(5);
    await tokens.stop();
  });

  it("keeps a refreshed token whose write failed, uses it, and stores it once the store works: a public client's login survives", async () => {
    const store = flakyStore();
    const onRefresh = vi.fn();
    const onRefreshFailure = vi.fn();
    const token = loginToken(['chat:read'], DEMO_PUBLIC_APP.clientId);
    const tokens = manager(token, { store, onRefresh, onRefreshFailure }, publicApp).start();
    await tokens.settled();

    store.failing = true;
    await clock.advance(LIFETIME_S * 1000, () => tokens.settled());
    const rotated = tokens.token;
    expect(rotated?.refreshToken).not.toBe(token.refreshToken);
    expect(await tokens.getAccessToken()).toBe(rotated?.accessToken);
    expect(onRefreshFailure.mock.calls.map(([error]) => (error as Error).name)).toContain('TokenStoreError');
    expect(onRefresh).not.toHaveBeenCalled();
    expect((await store.get('default'))?.refreshToken).toBe(token.refreshToken); // the store still has the spent one

    store.failing = false;
    await clock.advance(10 * 60_000, () => tokens.settled());
    expect((await store.get('default'))?.refreshToken).toBe(rotated?.refreshToken);
    expect(onRefresh).toHaveBeenCalledWith(rotated);
    // The next refresh spends the rotated token, not the spent one.
    await expect(tokens.refresh()).resolves.toBeInstanceOf(UserToken);
    await tokens.stop();
  });

  it('reports a store that refuses the first token, keeps using the token, retries, and flush() rejects meanwhile', async () => {
    const store = flakyStore();
    store.failing = true;
    const onRefreshFailure = vi.fn();
    const token = loginToken();
    const tokens = manager(token, { store, onRefreshFailure });
    expect(await rejectionOf(tokens.flush())).toBeInstanceOf(TokenStoreError);
    tokens.start();
    await tokens.settled();
    expect(onRefreshFailure).toHaveBeenCalled();
    expect(await tokens.getAccessToken()).toBe(token.accessToken);
    expect(fake.requestsTo('/validate')).toHaveLength(1); // the start-up validation still happened

    store.failing = false;
    await clock.advance(10 * 60_000, () => tokens.settled());
    expect((await store.get('default'))?.accessToken).toBe(token.accessToken);
    await tokens.flush(); // nothing left to write
    await tokens.stop();
  });

  it('backs off, and reports, when the store cannot be read', async () => {
    const unreadable: TokenStore = {
      read: () => Promise.reject(new TokenStoreError({ path: '/data/tokens.json', reason: 'corrupt' }, 'corrupt')),
      writeIfNewer: () => Promise.reject(new Error('not used')),
      lock: () => Promise.reject(new Error('not used')),
      keys: () => new MemoryTokenStore().keys(),
      delete: () => Promise.resolve(),
    };
    const reads = vi.spyOn(unreadable, 'read');
    // The longest waits the jitter allows: 5 s, 10 s, … 300 s; 17 reads in an hour, not 3600.
    const random = vi.spyOn(Math, 'random').mockReturnValue(1);
    const onRefreshFailure = vi.fn();
    const tokens = manager(undefined, { store: unreadable, onRefreshFailure }).start();
    await tokens.settled();
    await clock.advance(HOUR, () => tokens.settled());
    expect(onRefreshFailure).toHaveBeenCalled();
    expect(onRefreshFailure.mock.calls.length).toBe(reads.mock.calls.length);
    expect(reads.mock.calls.length).toBe(17);
    random.mockRestore();
    await tokens.stop();
  });

  it('validates once when a refresh lands during a slow validation', async () => {
    const tokens = manager(loginToken());
    fake.injectFault({ endpoint: '/validate', delayMs: 300 });
    tokens.start();
    await until(() => fake.requestsTo('/validate').length === 1);
    await tokens.refresh();
    await tokens.settled();
    await clock.advance(2000, () => tokens.settled());
    expect(fake.requestsTo('/validate')).toHaveLength(1);
    await tokens.stop();
  });

  it('takes plain token data, and refuses bad data with a TypeError naming the field before anything is sent', async () => {
    const plain = { accessToken: 'a', refreshToken: 'r', expiresIn: 1, scopes: [] } as unknown as UserToken;
    expect(() => manager(plain)).toThrow(/"obtainedAt"/);
    const token = loginToken();
    const fromFields = manager(JSON.parse(JSON.stringify(token)) as UserTokenJSON);
    expect(await fromFields.getAccessToken()).toBe(token.accessToken);
    // The Python original's pair is validated once to learn its lifetime and scopes.
    const relogin = loginToken(['chat:read', 'chat:edit']);
    await fromFields.setToken([relogin.accessToken, relogin.refreshToken]);
    expect(await fromFields.getToken()).toMatchObject({
      accessToken: relogin.accessToken,
      scopes: ['chat:read', 'chat:edit'],
      expiresIn: LIFETIME_S,
    });
    expect(fake.requests.map((request) => request.endpoint)).toEqual(['/validate']);
    await expect(fromFields.setToken(['', relogin.refreshToken])).rejects.toThrow(/"accessToken"/);
  });
});

describe('TokenManager with a public client (one-time refresh tokens)', () => {
  it('never spends a refresh token twice over many refresh cycles with concurrent callers', async () => {
    const tokens = manager(loginToken(['chat:read'], DEMO_PUBLIC_APP.clientId), {}, publicApp);
    const seen = new Set<string>();
    for (let cycle = 0; cycle < 30; cycle++) {
      await clock.advance(LIFETIME_S * 1000);
      const results = await Promise.all([
        ...Array.from({ length: 20 }, () => tokens.getAccessToken()),
        tokens.refresh().then((token) => token.accessToken),
      ]);
      expect(new Set(results).size).toBe(1);
      for (const result of results) seen.add(result);
    }
    expect(seen.size).toBe(30);
    const refreshes = fake.requestsTo('/token');
    expect(refreshes).toHaveLength(30);
    expect(new Set(refreshes.map((request) => request.form['refresh_token'])).size).toBe(30);
    for (const request of refreshes) expect(request.form).not.toHaveProperty('client_secret');
  });
});

describe('TokenManager options', () => {
  it('refuses unusable options with a TypeError naming them', () => {
    expect(() => new TokenManager(app, undefined, { refreshMarginMs: -1 })).toThrow(/refreshMarginMs/);
    expect(() => new TokenManager(app, undefined, { validateIntervalMs: 0 })).toThrow(/validateIntervalMs/);
    expect(() => new TokenManager({ appId: '' })).toThrow(/appId/);
  });
});
