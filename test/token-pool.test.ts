import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidTokenError,
  MemoryTokenStore,
  ReauthenticationRequiredError,
  TokenPool,
  TwitchRateLimitError,
  UnknownUserError,
  type TokenPoolOptions,
  type UserToken,
} from '../src/index.js';
import {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  ManualClock,
  startFakeTwitch,
  type FakeTwitch,
  type FakeUser,
} from '../src/testing/index.js';
import { rejectionOf } from './support/fake.js';

const MINUTE = 60_000;
const LIFETIME_S = 14_124;
const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };

let clock: ManualClock;
let fake: FakeTwitch | undefined;
const pools: TokenPool[] = [];

/** `count` users with ids 1000, 1001, …, registered with a fake on the manual clock. */
async function fakeWithUsers(count: number): Promise<{ fake: FakeTwitch; users: FakeUser[] }> {
  clock = new ManualClock(Date.parse('2026-11-24T00:00:00Z'));
  const users = Array.from({ length: count }, (_, index) => ({
    id: String(1000 + index),
    login: `user${String(index)}`,
  }));
  fake = await startFakeTwitch({ now: () => clock.now(), users });
  return { fake, users };
}

function pool(options: TokenPoolOptions = {}): TokenPool {
  if (fake === undefined) throw new Error('start the fake first');
  const created = new TokenPool(app, { clock, authBaseUrl: fake.authBaseUrl, retry: 0, ...options });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((each) => each.stop()));
  await fake?.close();
  fake = undefined;
});

describe('TokenPool', () => {
  it('makes one refresh per user for 100 concurrent getAccessTokenForUser() calls each at expiry', async () => {
    const { fake: twitch, users } = await fakeWithUsers(20);
    const tokens = pool();
    const originals = await Promise.all(
      users.map(async (user) => {
        const token = twitch.issueUserToken({ userId: user.id });
        await tokens.addUser(token);
        return token;
      }),
    );
    await clock.advance(LIFETIME_S * 1000);
    twitch.clearRecords();
    const results = await Promise.all(
      users.map((user) => Promise.all(Array.from({ length: 100 }, () => tokens.getAccessTokenForUser(user.id)))),
    );
    expect(twitch.requestsTo('/token')).toHaveLength(20);
    results.forEach((accessTokens, index) => {
      expect(new Set(accessTokens).size).toBe(1);
      expect(accessTokens[0]).not.toBe(originals[index]?.accessToken);
    });
  });

  it('slows the whole pool when Twitch answers 429: nothing is sent until the wait Twitch asked for is over', async () => {
    const { fake: twitch, users } = await fakeWithUsers(40);
    const store = new MemoryTokenStore();
    for (const user of users) {
      await store.writeIfNewer(`user:${user.id}`, { token: twitch.issueUserToken({ userId: user.id }), generation: 1 });
    }
    const onRefreshFailure = vi.fn();
    const onValidate = vi.fn();
    const tokens = pool({ store, onRefreshFailure, onValidate });
    twitch.injectFault({ endpoint: '/validate', status: 429, headers: { 'retry-after': '30' } });
    const start = clock.now();
    await tokens.start();
    await tokens.settled();
    await clock.advance(5 * MINUTE, () => tokens.settled());
    const times = twitch.requestsTo('/validate').map((request) => request.receivedAt - start);
    const before = times.filter((time) => time < 30_000);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThanOrEqual(4); // the validations already in flight when the 429 came
    expect(before.every((time) => time === 0)).toBe(true);
    expect(times.filter((time) => time >= 30_000).length).toBeGreaterThanOrEqual(40 - before.length + 1);
    expect(new Set(onValidate.mock.calls.map(([userId]) => userId as string)).size).toBe(40); // all, in the end
    expect(onRefreshFailure).toHaveBeenCalledTimes(1);
    expect(onRefreshFailure.mock.calls[0]?.[1]).toBeInstanceOf(TwitchRateLimitError);
  });

  it('loads the users its store holds at start and validates them at bounded concurrency over few connections', async () => {
    const { fake: twitch, users } = await fakeWithUsers(60);
    const store = new MemoryTokenStore();
    for (const user of users) {
      await store.writeIfNewer(`user:${user.id}`, { token: twitch.issueUserToken({ userId: user.id }), generation: 3 });
    }
    await store.writeIfNewer('default', { token: twitch.issueUserToken(), generation: 1 }); // not a pool key
    const onValidate = vi.fn();
    const tokens = pool({ store, onValidate, concurrency: 3 });
    await tokens.start();
    expect([...tokens.userIds].sort()).toEqual(users.map((user) => user.id));
    await tokens.settled();
    expect(twitch.requestsTo('/validate')).toHaveLength(60);
    expect(twitch.connectionCount).toBeLessThanOrEqual(3);
    expect(new Set(onValidate.mock.calls.map(([userId]) => userId as string)).size).toBe(60);
    expect(clock.pendingTimers).toBe(1);
    const first = users[0]?.id ?? '';
    expect(await tokens.getAccessTokenForUser(first)).toBe((await store.read(`user:${first}`))?.token.accessToken);
  });

  it('picks users by intent, refreshes one user on demand, forgets removed users, and names unknown ones', async () => {
    const { fake: twitch, users } = await fakeWithUsers(3);
    const store = new MemoryTokenStore();
    const onRefresh = vi.fn();
    const tokens = pool({ store, onRefresh });
    const [a, b, c] = users.map((user) => twitch.issueUserToken({ userId: user.id }));
    if (a === undefined || b === undefined || c === undefined) throw new Error('three users');
    expect(await tokens.addUser(a, { intents: ['chat'] })).toBe('1000');
    expect(await tokens.addUser(b.toJSON(), { intents: ['chat', 'events'] })).toBe('1001'); // plain fields
    expect(await tokens.addUser([c.accessToken, c.refreshToken])).toBe('1002'); // the Python pair
    expect(await tokens.getAccessTokenForIntent('chat')).toBe(a.accessToken);
    expect(tokens.userIdForIntent('events')).toBe('1001');
    expect(tokens.intentsOfUser('1001')).toEqual(['chat', 'events']);
    expect((await store.read('user:1002'))?.token.accessToken).toBe(c.accessToken);

    const refreshed = await tokens.refreshForUser('1001', b.accessToken);
    expect(refreshed.accessToken).not.toBe(b.accessToken);
    expect(await tokens.refreshForUser('1001', b.accessToken)).toBe(refreshed); // moved on: no second refresh
    expect(twitch.requestsTo('/token')).toHaveLength(1);
    expect(onRefresh).toHaveBeenCalledWith('1001', refreshed);

    await tokens.removeUser('1000', { deleteStored: true });
    expect(await store.read('user:1000')).toBeUndefined();
    expect(await tokens.getAccessTokenForIntent('chat')).toBe(refreshed.accessToken);
    const unknown = await rejectionOf(tokens.getAccessTokenForUser('1000'));
    expect(unknown).toBeInstanceOf(UnknownUserError);
    expect(String(unknown)).toMatch(/addUser/);
    expect(await rejectionOf(tokens.getAccessTokenForIntent('whispers'))).toBeInstanceOf(UnknownUserError);
  });

  it('refuses tokens it cannot keep before storing anything, and takes a dead access token only with its user id', async () => {
    const { fake: twitch, users } = await fakeWithUsers(2);
    const store = new MemoryTokenStore();
    const tokens = pool({ store });
    const foreign = twitch.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    expect(await rejectionOf(tokens.addUser(foreign))).toBeInstanceOf(TypeError);
    const dead = twitch.issueUserToken({ userId: users[1]?.id ?? '' });
    twitch.identity.expireAccessToken(dead.accessToken);
    expect(await rejectionOf(tokens.addUser(dead))).toBeInstanceOf(InvalidTokenError);
    expect(await rejectionOf(tokens.addUser({ accessToken: dead.accessToken } as unknown as UserToken))).toBeInstanceOf(
      TypeError,
    );
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual([]);
    // With the user id, the dead access token is refreshed through the protocol like any other.
    expect(await tokens.addUser(dead, { userId: users[1]?.id ?? '' })).toBe('1001');
    expect(await tokens.getAccessTokenForUser('1001')).toBe(dead.accessToken); // its own lifetime says fresh
    const refreshed = await tokens.refreshForUser('1001');
    expect(refreshed.accessToken).not.toBe(dead.accessToken);
    expect((await store.read('user:1001'))?.generation).toBe(2);
  });

  it('reports a lost login once for that user only; a new token for the user revives it', async () => {
    const { fake: twitch, users } = await fakeWithUsers(3);
    const onInvalid = vi.fn();
    const tokens = pool({ onInvalid });
    const originals = await Promise.all(
      users.map(async (user) => {
        const token = twitch.issueUserToken({ userId: user.id });
        await tokens.addUser(token);
        return token;
      }),
    );
    twitch.identity.revokeRefreshToken(originals[1]?.refreshToken ?? '');
    await tokens.start();
    await tokens.settled();
    await clock.advance(LIFETIME_S * 1000, () => tokens.settled());
    expect(onInvalid).toHaveBeenCalledTimes(1);
    expect(onInvalid.mock.calls[0]?.[0]).toBe('1001');
    expect(onInvalid.mock.calls[0]?.[1]).toBeInstanceOf(ReauthenticationRequiredError);
    expect(await rejectionOf(tokens.getAccessTokenForUser('1001'))).toBeInstanceOf(ReauthenticationRequiredError);
    expect(await tokens.getAccessTokenForUser('1000')).not.toBe(originals[0]?.accessToken);
    const relogin = twitch.issueUserToken({ userId: '1001' });
    expect(await tokens.addUser(relogin)).toBe('1001');
    expect(await tokens.getAccessTokenForUser('1001')).toBe(relogin.accessToken);
    expect(onInvalid).toHaveBeenCalledTimes(1);
  });

  it('refuses unusable options with a TypeError naming them', () => {
    expect(() => new TokenPool(app, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new TokenPool(app, { refreshJitterMs: 2 ** 31 })).toThrow(/refreshJitterMs.*2147483647/);
    expect(() => new TokenPool(app, { lostRecheckMs: 10 })).toThrow(/lostRecheckMs/);
  });
});
