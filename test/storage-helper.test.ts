import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FileTokenStore,
  TokenManager,
  TokenStoreError,
  TwitchNetworkError,
  UserAuthenticationStorageHelper,
  UserToken,
  type AuthGenerator,
  type StorageHelperOptions,
} from '../src/index.js';
import { DEMO_APP } from '../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from './support/fake.js';
import { authorize, visit } from './support/login.js';

const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
let folder: string;
let storagePath: string;
const managers: TokenManager[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-helper-'));
  storagePath = join(folder, 'user_token.json');
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
  rmSync(folder, { recursive: true, force: true });
});

describe('UserAuthenticationStorageHelper.bind', () => {
  const twitch = useFakeTwitch();

  /** A login that the generator "performs": a token minted at the fake. */
  function generator(scopes = ['chat:read']): AuthGenerator & ReturnType<typeof vi.fn> {
    return vi.fn(() => Promise.resolve(twitch.fake.issueUserToken({ scopes })));
  }

  async function bind(options: StorageHelperOptions, scopes = ['chat:read']): Promise<TokenManager> {
    const helper = new UserAuthenticationStorageHelper(app, scopes, {
      storagePath,
      authBaseUrl: twitch.fake.authBaseUrl,
      retry: 0,
      ...options,
    });
    const manager = await helper.bind();
    managers.push(manager);
    return manager;
  }

  async function storeToken(
    token: { accessToken: string; refreshToken: string },
    scopes = ['chat:read'],
  ): Promise<void> {
    await new FileTokenStore(storagePath).writeIfNewer('default', {
      token: new UserToken({
        // Named, not spread: a UserToken keeps its secrets out of a spread.
        accessToken: token.accessToken,
        refreshToken: token.refreshToken,
        expiresIn: 14_124,
        scopes,
        tokenType: 'bearer',
        obtainedAt: Date.now(),
      }),
      generation: 1,
    });
  }

  it('logs in when there is no file, stores the token, and returns a started manager', async () => {
    const authGenerator = generator();
    const manager = await bind({ authGenerator });
    expect(authGenerator).toHaveBeenCalledTimes(1);
    expect(authGenerator).toHaveBeenCalledWith(['chat:read']);
    expect(manager).toBeInstanceOf(TokenManager);
    expect(manager.running).toBe(true);
    const stored = (await new FileTokenStore(storagePath).read('default'))?.token;
    expect(stored?.accessToken).toBe(await manager.getAccessToken());
  });

  it('uses a valid stored token without logging in', async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    await storeToken(login);
    const authGenerator = generator();
    const manager = await bind({ authGenerator });
    expect(authGenerator).not.toHaveBeenCalled();
    expect(await manager.getAccessToken()).toBe(login.accessToken);
  });

  it('refreshes an expired stored token without logging in, and stores the new one', async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    twitch.fake.identity.expireAccessToken(login.accessToken);
    await storeToken(login);
    const authGenerator = generator();
    const manager = await bind({ authGenerator });
    expect(authGenerator).not.toHaveBeenCalled();
    const accessToken = await manager.getAccessToken();
    expect(accessToken).not.toBe(login.accessToken);
    expect((await new FileTokenStore(storagePath).read('default'))?.token.accessToken).toBe(accessToken);
  });

  it('logs in when the stored refresh token was revoked', async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    await storeToken(login);
    await fetch(`${twitch.fake.authBaseUrl}/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: app.appId, token: login.accessToken }),
    });
    const authGenerator = generator();
    await bind({ authGenerator });
    expect(authGenerator).toHaveBeenCalledTimes(1);
  });

  it('logs in when the stored token lacks a requested scope', async () => {
    await storeToken(twitch.fake.issueUserToken({ scopes: ['chat:read'] }));
    const authGenerator = generator(['chat:read', 'chat:edit']);
    const manager = await bind({ authGenerator }, ['chat:read', 'chat:edit']);
    expect(authGenerator).toHaveBeenCalledTimes(1);
    expect((await manager.getToken()).scopes).toEqual(['chat:read', 'chat:edit']);
  });

  it('logs in when the file is corrupt, moving it aside and saying so', async () => {
    writeFileSync(storagePath, '{"token": "trunc');
    const authGenerator = generator();
    const onWarning = vi.fn();
    await bind({ authGenerator, onWarning });
    expect(authGenerator).toHaveBeenCalledTimes(1);
    expect(onWarning).toHaveBeenCalledTimes(1);
    const warning = onWarning.mock.calls[0]?.[0] as TokenStoreError;
    expect(warning).toBeInstanceOf(TokenStoreError);
    expect(String(warning)).toContain(storagePath);
    const aside = readdirSync(folder).find((name) => name.startsWith('user_token.json.unreadable-'));
    expect(readFileSync(join(folder, aside ?? 'missing'), 'utf8')).toBe('{"token": "trunc');
  });

  it('does not log in, nor move the file, when the file cannot be read (I/O, permissions): bind() rejects', async () => {
    mkdirSync(storagePath); // a directory where the file should be: EISDIR, as EACCES would be for another user
    const authGenerator = generator();
    const error = await rejectionOf(bind({ authGenerator }));
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(error).toMatchObject({ reason: 'io', path: storagePath });
    expect(authGenerator).not.toHaveBeenCalled();
    expect(readdirSync(folder)).toEqual(['user_token.json']);
  });

  it('validates once at start: bind() checked the token, so the manager does not validate again at once', async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    await storeToken(login);
    await (await bind({ authGenerator: generator() })).settled();
    expect(twitch.fake.requestsTo('/validate')).toHaveLength(1);
  });

  it("revives the Python original's user_token.json without logging in", async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    writeFileSync(storagePath, JSON.stringify({ token: login.accessToken, refresh: login.refreshToken }));
    const authGenerator = generator();
    const manager = await bind({ authGenerator });
    expect(authGenerator).not.toHaveBeenCalled();
    expect(await manager.getToken()).toMatchObject({ accessToken: login.accessToken, scopes: ['chat:read'] });
    // Still readable by the Python program: its two keys at the top, this library's fields beside them.
    const file = JSON.parse(readFileSync(storagePath, 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ token: login.accessToken, refresh: login.refreshToken });
    expect(file).not.toHaveProperty('format');
  });

  it('does not log in because of a network failure: bind() rejects instead', async () => {
    await storeToken(twitch.fake.issueUserToken({ scopes: ['chat:read'] }));
    twitch.fake.injectFault({ endpoint: '/validate', reset: true, times: Infinity });
    const authGenerator = generator();
    const error = await rejectionOf(bind({ authGenerator }));
    expect(error).toBeInstanceOf(TwitchNetworkError);
    expect(authGenerator).not.toHaveBeenCalled();
  });

  it('accepts an object with authenticate(), such as a UserAuthenticator', async () => {
    const minted = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    const authenticate = vi.fn(() => Promise.resolve(minted));
    await bind({ authGenerator: { authenticate } });
    expect(authenticate).toHaveBeenCalledTimes(1);
  });

  it('logs in through a UserAuthenticator with force_verify by default, as the original', async () => {
    const { fake } = twitch;
    fake.identity.apps.set(app.appId, { ...DEMO_APP, redirectUris: ['http://localhost:17563'] });
    fake.identity.authorizeMode = 'approve';
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const binding = bind({});
      let authUrl: string | undefined;
      while (authUrl === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        authUrl = /(http:\/\/127\.0\.0\.1\S+\/authorize\?\S+)/.exec(written.join(''))?.[1];
      }
      expect(new URL(authUrl).searchParams.get('force_verify')).toBe('true');
      await visit(await authorize(authUrl));
      expect(await (await binding).getAccessToken()).toMatch(/^[a-z0-9]{30}$/);
    } finally {
      spy.mockRestore();
    }
  });
});
