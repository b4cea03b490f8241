import { describe, expect, it } from 'vitest';
import { UserAuthenticator } from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, startFakeTwitch } from '../src/testing/index.js';
import { rejectionOf } from './support/fake.js';
import { authorize, fakeBrowser, freePort } from './support/login.js';

const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };

/** Where the fake's /authorize sends the browser for this redirect URI. */
async function redirectFor(authBaseUrl: string, redirectUri: string): Promise<URL> {
  const query = new URLSearchParams({
    client_id: DEMO_APP.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: '',
    state: 's',
  });
  return new URL(await authorize(`${authBaseUrl}/authorize?${query.toString()}`));
}

describe('startFakeTwitch: redirect URIs besides http://localhost:17563', () => {
  it('registers redirectUris for every app, keeping their own', async () => {
    const uri = `http://localhost:${String(await freePort())}/twitch`;
    await using fake = await startFakeTwitch({ redirectUris: [uri, uri] });
    expect(fake.identity.apps.get(DEMO_APP.clientId)?.redirectUris).toEqual(['http://localhost:17563', uri]);
    expect(fake.identity.apps.get(DEMO_PUBLIC_APP.clientId)?.redirectUris).toEqual(['http://localhost:17563', uri]);
    const token = await new UserAuthenticator(app, [], {
      url: uri,
      authBaseUrl: fake.authBaseUrl,
      timeoutMs: 5000,
    }).authenticate({
      useBrowser: false,
      onAuthUrl: fakeBrowser().open,
    });
    expect(token.refreshToken).not.toBe('');
  });

  it('with acceptAnyLoopbackRedirect, accepts any http loopback URI (and the code exchange with it)', async () => {
    await using fake = await startFakeTwitch({ acceptAnyLoopbackRedirect: true });
    const url = `http://127.0.0.1:${String(await freePort())}/cb`;
    const token = await new UserAuthenticator(app, ['chat:read'], {
      url,
      host: '127.0.0.1',
      authBaseUrl: fake.authBaseUrl,
      timeoutMs: 5000,
    }).authenticate({ useBrowser: false, onAuthUrl: fakeBrowser().open });
    expect(token.scopes).toEqual(['chat:read']);
    expect((await redirectFor(fake.authBaseUrl, 'http://[::1]:1234')).searchParams.get('code')).not.toBeNull();
    for (const other of ['https://localhost:1234', 'http://192.168.1.2:1234', 'http://localhostx:1']) {
      expect((await redirectFor(fake.authBaseUrl, other)).searchParams.get('error'), other).toBe('redirect_mismatch');
    }
  });

  it('keeps at most 64 such URIs per app, forgetting the oldest: memory stays bounded', async () => {
    await using fake = await startFakeTwitch({ acceptAnyLoopbackRedirect: true });
    for (let port = 20_000; port < 20_100; port++)
      await redirectFor(fake.authBaseUrl, `http://localhost:${String(port)}`);
    const registered = fake.identity.apps.get(DEMO_APP.clientId)?.redirectUris ?? [];
    expect(registered).toHaveLength(1 + 64);
    expect(registered[0]).toBe('http://localhost:17563');
    expect(registered.at(-1)).toBe('http://localhost:20099');
    expect(registered).not.toContain('http://localhost:20000');
  });

  it('without it, an unregistered loopback URI is a mismatch, as at Twitch', async () => {
    await using fake = await startFakeTwitch();
    expect((await redirectFor(fake.authBaseUrl, 'http://localhost:4000')).searchParams.get('error')).toBe(
      'redirect_mismatch',
    );
  });

  it('refuses a redirect URI that is not an absolute http(s) URL', async () => {
    const error = await rejectionOf(startFakeTwitch({ redirectUris: ['localhost:3000'] }));
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toContain('redirectUris: "localhost:3000" is not an absolute http(s) URL.');
  });
});
