import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore, UserAuthenticationStorageHelper, UserToken, type TokenManager } from '../src/index.js';
import { DEMO_PUBLIC_APP } from '../src/testing/index.js';
import { useFakeTwitch } from './support/fake.js';

// The storage helper on a store shared by several helpers (several accounts' bots, or replicas):
// every refresh goes through the store's lock and generations, never around them.

const publicApp = { appId: DEMO_PUBLIC_APP.clientId };
const managers: TokenManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

describe('UserAuthenticationStorageHelper on a shared store', () => {
  const twitch = useFakeTwitch();

  it('refreshes an expired stored token once for helpers binding together (a public client’s refresh token is spent once)', async () => {
    const { fake } = twitch;
    const store = new MemoryTokenStore();
    const login = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId, scopes: ['chat:read'] });
    fake.identity.expireAccessToken(login.accessToken);
    await store.writeIfNewer('default', { token: login, generation: 1 });
    const authGenerator = vi.fn(() => Promise.reject(new Error('no login expected')));
    const onInvalid = vi.fn();
    const helpers = Array.from(
      { length: 3 },
      () =>
        new UserAuthenticationStorageHelper(publicApp, ['chat:read'], {
          store,
          authGenerator,
          onInvalid,
          authBaseUrl: fake.authBaseUrl,
          retry: 0,
        }),
    );
    const bound = await Promise.all(helpers.map((helper) => helper.bind()));
    managers.push(...bound);
    const refreshes = fake.requestsTo('/token');
    expect(refreshes).toHaveLength(1); // the old helper refreshed outside any lock: 3 requests, 2 refused
    expect(refreshes[0]?.form['refresh_token']).toBe(login.refreshToken);
    const accessTokens = await Promise.all(bound.map((manager) => manager.getAccessToken()));
    expect(new Set(accessTokens).size).toBe(1);
    expect(accessTokens[0]).not.toBe(login.accessToken);
    expect((await store.read('default'))?.generation).toBe(2);
    expect(authGenerator).not.toHaveBeenCalled();
    expect(onInvalid).not.toHaveBeenCalled();
  });

  it('rewrites a valid stored token only when Twitch tells a lifetime or scopes it lacks, one generation up', async () => {
    const { fake } = twitch;
    const confidential = { appId: 'hof5gwx0su6owfnys0yan9c87zr6t', appSecret: '41vpdji4e9gif29md0ouet6fktd2' };
    const bind = async (store: MemoryTokenStore): Promise<TokenManager> => {
      const manager = await new UserAuthenticationStorageHelper(confidential, ['chat:read'], {
        store,
        authGenerator: () => Promise.reject(new Error('no login expected')),
        authBaseUrl: fake.authBaseUrl,
        retry: 0,
      }).bind();
      managers.push(manager);
      return manager;
    };
    const right = new MemoryTokenStore();
    await right.writeIfNewer('default', { token: fake.issueUserToken({ scopes: ['chat:read'] }), generation: 5 });
    await bind(right);
    expect((await right.read('default'))?.generation).toBe(5); // nothing to correct: nothing written

    const unknown = new MemoryTokenStore(); // as read from the Python original's file: no lifetime, no scopes
    const python = fake.issueUserToken({ scopes: ['chat:read'] });
    const fields = { ...python.toJSON(), expiresIn: 0, scopes: [], obtainedAt: 0 };
    await unknown.writeIfNewer('default', { token: new UserToken(fields), generation: 0 });
    const manager = await bind(unknown);
    expect(await manager.getToken()).toMatchObject({ accessToken: python.accessToken, scopes: ['chat:read'] });
    expect((await unknown.read('default'))?.generation).toBe(1);
    expect(fake.requestsTo('/token')).toHaveLength(0);
  });

  it('takes an [accessToken, refreshToken] pair from authGenerator, as the Python original returns, and stores it', async () => {
    const { fake } = twitch;
    const store = new MemoryTokenStore();
    const minted = fake.issueUserToken({ scopes: ['chat:read'] });
    const helper = new UserAuthenticationStorageHelper(
      { appId: 'hof5gwx0su6owfnys0yan9c87zr6t', appSecret: '41vpdji4e9gif29md0ouet6fktd2' },
      ['chat:read'],
      {
        store,
        authGenerator: () => Promise.resolve([minted.accessToken, minted.refreshToken] as const),
        authBaseUrl: fake.authBaseUrl,
        retry: 0,
      },
    );
    const manager = await helper.bind();
    managers.push(manager);
    expect(await manager.getToken()).toMatchObject({ accessToken: minted.accessToken, scopes: ['chat:read'] });
    expect((await store.read('default'))?.token.refreshToken).toBe(minted.refreshToken);
  });
});
