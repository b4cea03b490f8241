import { ApiClient } from '@twurple/api';
import type { AuthProvider } from '@twurple/auth';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReauthenticationRequiredError, TokenPool, type UserToken } from '../src/index.js';
import { DEMO_APP, DEMO_USER, startFakeTwitch, type FakeTwitch, type FakeUser } from '../src/testing/index.js';
import { createTwurpleAuthProvider, ScopesNotGrantedError, type TwurpleTokenSource } from '../src/twurple/index.js';
import { expectNoSecretsIn, rejectionOf } from './support/fake.js';
import { startHelixStub, type HelixStub } from './support/helix-stub.js';

const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
const BROADCASTER: FakeUser = { id: '52000001', login: 'broadcaster' };
const MODERATOR: FakeUser = { id: '52000002', login: 'moderator' };

let fake: FakeTwitch;
let helix: HelixStub;
let pool: TokenPool;
let source: TwurpleTokenSource;
let tokens: Record<'demo' | 'broadcaster' | 'moderator', UserToken>;

beforeAll(() => {
  // Points twurple at loopback: Helix at http://localhost:<port>/mock/…, the identity service at /auth/….
  // Set before anything of twurple's runs; the stub's port is filled in per test.
  process.env['TWURPLE_MOCK_API_PORT'] = '1';
});
afterAll(() => {
  delete process.env['TWURPLE_MOCK_API_PORT'];
});

beforeEach(async () => {
  fake = await startFakeTwitch({ users: [DEMO_USER, BROADCASTER, MODERATOR] });
  helix = await startHelixStub(fake);
  process.env['TWURPLE_MOCK_API_PORT'] = String(helix.port);
  pool = new TokenPool(app, { authBaseUrl: fake.authBaseUrl, retry: { limit: 0 } });
  source = pool;
  tokens = {
    demo: fake.issueUserToken({ userId: DEMO_USER.id, scopes: ['chat:read', 'chat:edit'] }),
    broadcaster: fake.issueUserToken({ userId: BROADCASTER.id, scopes: ['channel:manage:broadcast'] }),
    moderator: fake.issueUserToken({ userId: MODERATOR.id, scopes: ['moderator:read:chatters'] }),
  };
  // Each addUser validates once to learn the user id; start() validates everyone once more.
  expect(await pool.addUser(tokens.demo, { intents: ['chat'] })).toBe(DEMO_USER.id);
  expect(await pool.addUser(tokens.broadcaster)).toBe(BROADCASTER.id);
  expect(await pool.addUser(tokens.moderator)).toBe(MODERATOR.id);
  await pool.start();
  await pool.settled();
  fake.clearRecords();
});
afterEach(async () => {
  await pool.stop();
  await helix.close();
  await fake.close();
});

function apiClient(): ApiClient {
  const authProvider: AuthProvider = createTwurpleAuthProvider(source, {
    appSecret: app.appSecret,
    authBaseUrl: fake.authBaseUrl,
  });
  return new ApiClient({ authProvider, logger: { minLevel: 'critical' } });
}

describe("twurple's ApiClient on the pool's tokens", () => {
  it("sends the user's token from the pool and the app's Client-Id", async () => {
    const api = apiClient();
    const user = await api.asUser(BROADCASTER.id, (ctx) => ctx.users.getUserById(BROADCASTER.id));

    expect(user?.name).toBe('broadcaster');
    expect(helix.requests).toMatchObject([
      { method: 'GET', endpoint: 'users', token: tokens.broadcaster.accessToken, clientId: app.appId, status: 200 },
    ]);
    expect(fake.requests).toHaveLength(0); // a fresh token: no refresh, no validation
  });

  it("picks the owner's token for a call that needs a scope, and sends its JSON body", async () => {
    const api = apiClient();
    await api.channels.updateChannelInfo(BROADCASTER.id, { title: 'Speedrun' });

    expect(helix.requests).toMatchObject([
      { method: 'PATCH', endpoint: 'channels', token: tokens.broadcaster.accessToken, status: 204 },
    ]);
    expect(helix.requests[0]?.query).toEqual({ broadcaster_id: BROADCASTER.id });
    expect(JSON.parse(helix.requests[0]?.body ?? '')).toEqual({ title: 'Speedrun' });
  });

  it('refuses a scope the token lacks with ScopesNotGrantedError, before any request', async () => {
    const error = await rejectionOf(apiClient().channels.updateChannelInfo(MODERATOR.id, { title: 'x' }));

    expect(error).toBeInstanceOf(ScopesNotGrantedError);
    expect(error).toMatchObject({ userId: MODERATOR.id, missingScopes: ['channel:manage:broadcast'] });
    expect(String(error)).toContain('log the user in again');
    expect(helix.requests).toHaveLength(0);
  });

  it('a 401 from Helix causes one refresh at the fake, and the retried call succeeds', async () => {
    fake.identity.expireAccessToken(tokens.broadcaster.accessToken); // Helix refuses it; the pool thinks it fresh
    const api = apiClient();
    const user = await api.asUser(BROADCASTER.id, (ctx) => ctx.users.getUserById(BROADCASTER.id));

    expect(user?.name).toBe('broadcaster');
    const refreshes = fake.requestsTo('/token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: tokens.broadcaster.refreshToken,
    });
    const renewed = pool.currentTokenForUser(BROADCASTER.id)?.accessToken;
    expect(renewed).not.toBe(tokens.broadcaster.accessToken);
    expect(helix.requests.map((r) => [r.token, r.status])).toEqual([
      [tokens.broadcaster.accessToken, 401],
      [renewed, 200],
    ]);
  });

  it('many calls refused with the same token cause one refresh', async () => {
    fake.identity.expireAccessToken(tokens.broadcaster.accessToken);
    const api = apiClient();
    const users = await Promise.all(
      Array.from({ length: 20 }, () => api.asUser(BROADCASTER.id, (ctx) => ctx.users.getUserById(BROADCASTER.id))),
    );

    expect(users.map((user) => user?.name)).toEqual(Array.from({ length: 20 }, () => 'broadcaster'));
    expect(fake.requestsTo('/token')).toHaveLength(1); // refresh tokens spent twice: 0
    expect(helix.requests.filter((r) => r.status === 401)).toHaveLength(20);
  });

  it('uses the app token (fetched once, then reused) for users the pool does not hold, and renews it after a 401', async () => {
    const api = apiClient();
    expect((await api.users.getUserById(BROADCASTER.id))?.name).toBe('broadcaster'); // held: the user's token
    const stranger = '99999999';
    expect(await api.users.getUserById(stranger)).toBeNull();
    expect(await api.users.getUserById(stranger)).toBeNull();

    const grants = fake.requestsTo('/token');
    expect(grants).toHaveLength(1);
    expect(grants[0]?.form).toMatchObject({ grant_type: 'client_credentials', client_id: app.appId });
    const appToken = helix.requests[1]?.token;
    expect(appToken).toBeDefined();
    expect(helix.requests.map((r) => r.token)).toEqual([tokens.broadcaster.accessToken, appToken, appToken]);

    fake.identity.expireAccessToken(appToken!);
    expect(await api.users.getUserById(stranger)).toBeNull();
    expect(fake.requestsTo('/token')).toHaveLength(2);
    expect(helix.requests.slice(3).map((r) => r.status)).toEqual([401, 200]);
  });

  it('says what to do when a call needs an app token and no app secret was given', async () => {
    const api = new ApiClient({ authProvider: createTwurpleAuthProvider(source), logger: { minLevel: 'critical' } });
    const error = await rejectionOf(api.users.getUserById('99999999'));
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toContain('createTwurpleAuthProvider(pool, { appSecret })');
    expect(helix.requests).toHaveLength(0);
  });

  it("passes on the pool's ReauthenticationRequiredError when the login is gone, with no secret in it", async () => {
    fake.identity.expireAccessToken(tokens.broadcaster.accessToken);
    fake.identity.revokeRefreshToken(tokens.broadcaster.refreshToken);
    const error = await rejectionOf(apiClient().asUser(BROADCASTER.id, (ctx) => ctx.users.getUserById(BROADCASTER.id)));

    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    expectNoSecretsIn(error, [tokens.broadcaster.accessToken, tokens.broadcaster.refreshToken, app.appSecret]);
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });
});

describe('createTwurpleAuthProvider', () => {
  it("answers twurple's questions from the pool, never handing out a refresh token", async () => {
    const provider = createTwurpleAuthProvider(source, { appSecret: app.appSecret, authBaseUrl: fake.authBaseUrl });

    expect(provider.clientId).toBe(app.appId);
    expect(provider.hasClientSecret).toBe(true);
    expect(provider.getCurrentScopesForUser({ id: BROADCASTER.id })).toEqual(['channel:manage:broadcast']);
    expect(() => provider.getCurrentScopesForUser(1234)).toThrow(/holds no user 1234; add the user/);

    expect(await provider.getAccessTokenForUser(Number(BROADCASTER.id))).toEqual({
      accessToken: tokens.broadcaster.accessToken,
      refreshToken: null,
      scope: ['channel:manage:broadcast'],
      expiresIn: tokens.broadcaster.expiresIn,
      obtainmentTimestamp: tokens.broadcaster.obtainedAt,
      userId: BROADCASTER.id,
    });
    expect(await provider.getAccessTokenForUser('404')).toBeNull();
    expect(await provider.getAccessTokenForIntent('chat', ['chat:read', 'chat:edit'])).toMatchObject({
      userId: DEMO_USER.id,
      accessToken: tokens.demo.accessToken,
      refreshToken: null,
    });
    expect(await provider.getAccessTokenForIntent('nobody')).toBeNull();
    expect(await provider.getAnyAccessToken(MODERATOR.id)).toMatchObject({ userId: MODERATOR.id, refreshToken: null });
    const appToken = await provider.getAnyAccessToken();
    expect(appToken).toMatchObject({ refreshToken: null, scope: [] });
    expect(appToken.userId).toBeUndefined();
    await expect(provider.refreshAccessTokenForIntent('nobody')).rejects.toThrow(/holds the intent "nobody"/);
    await expect(provider.refreshAccessTokenForUser('404')).rejects.toThrow(TypeError);
  });

  it('refreshes for an intent: the refreshed token is the one it hands out next', async () => {
    const provider = createTwurpleAuthProvider(source);
    const first = await provider.getAccessTokenForIntent('chat');
    const refreshed = await provider.refreshAccessTokenForIntent('chat');

    expect(refreshed.accessToken).not.toBe(first?.accessToken);
    expect(refreshed).toMatchObject({ userId: DEMO_USER.id, refreshToken: null });
    expect((await provider.getAccessTokenForIntent('chat'))?.accessToken).toBe(refreshed.accessToken);
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('forgets users the pool no longer holds: what it remembers stays bounded while users come and go', async () => {
    const held = new Map<string, UserToken>();
    const source: TwurpleTokenSource = {
      appId: app.appId,
      hasUser: (userId) => held.has(userId),
      currentTokenForUser: (userId) => held.get(userId),
      getTokenForUser: (userId) => Promise.resolve(held.get(userId)!),
      refreshForUser: (userId) => Promise.resolve(held.get(userId)!),
      userIdForIntent: () => undefined,
    };
    const provider = createTwurpleAuthProvider(source);
    const token = fake.issueUserToken();
    let next = 0;
    for (let wave = 0; wave < 10; wave++) {
      held.clear(); // every user of the last wave left the pool
      for (let user = 0; user < 1000; user++) held.set(String(next++), token);
      for (const userId of held.keys()) await provider.getAccessTokenForUser(userId);
      expect(provider.rememberedUsers).toBeLessThanOrEqual(2 * held.size + 1024);
    }
    expect(next).toBe(10_000);
    expect(await provider.getAccessTokenForUser('0')).toBeNull();
  });

  it('is shipped as twitchapi-oauth/twurple, with types, and needs no twurple package to load', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
      dependencies: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    expect(manifest.exports['./twurple']).toEqual({
      types: './dist/twurple/index.d.ts',
      default: './dist/twurple/index.js',
    });
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@twurple/'))).toEqual([]);
    expect(Object.keys(manifest.peerDependencies ?? {}).filter((name) => name.startsWith('@twurple/'))).toEqual([]);
    // Neither the sources nor the build (JavaScript and declarations, built by the global setup) import twurple.
    for (const folder of [new URL('../src/twurple/', import.meta.url), new URL('../dist/twurple/', import.meta.url)]) {
      const files = readdirSync(folder);
      expect(files).toContain(folder.pathname.includes('/dist/') ? 'index.d.ts' : 'index.ts');
      for (const file of files) {
        expect(readFileSync(new URL(file, folder), 'utf8'), file).not.toMatch(/from ['"]@twurple\//);
      }
    }
  });
});
