import { createServer } from 'node:net';
import { UserAuthenticator } from '../auth/user-authenticator.js';
import { refreshAccessToken } from '../helpers/refresh-access-token.js';
import { revokeToken } from '../helpers/revoke-token.js';
import { validateToken } from '../helpers/validate-token.js';
import { DEMO_APP } from '../testing/model.js';
import { startFakeTwitch } from '../testing/fake-twitch.js';

/** Where the demo writes its lines. */
export type DemoOutput = (line: string) => void;

/** Shows only the start and end of a secret: the demo prints steps, not tokens. */
function abbreviate(secret: string): string {
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

/** Hides the values of `code` and `state` in a URL for printing. */
function masked(url: string): string {
  return url.replace(
    /([?&](?:code|state)=)([^&]+)/g,
    (_match, name: string, value: string) => `${name}${abbreviate(value)}`,
  );
}

/** A free port on loopback, for the demo's redirect URI (17563 may be taken by a real bot). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/**
 * The browser's part, played by HTTP requests: open the authorize URL at (fake) Twitch, which
 * redirects to the listener with a code, and follow that redirect.
 */
async function playBrowser(authUrl: string, write: DemoOutput): Promise<void> {
  const atTwitch = await fetch(authUrl, { redirect: 'manual' });
  const callback = atTwitch.headers.get('location') ?? '';
  write(`3. Twitch: the user clicks Authorize; the browser is sent to ${masked(callback)}`);
  const page = await fetch(callback);
  const heading = /<h1[^>]*>([^<]*)<\/h1>/.exec(await page.text())?.[1] ?? '';
  write(`4. The browser shows: ${String(page.status)} "${heading}"`);
}

/**
 * Runs the whole job offline against the bundled fake Twitch, printing each step: a browser login
 * through `UserAuthenticator`, then validate, refresh and revoke. The fake is closed at the end.
 */
export async function runDemo(write: DemoOutput): Promise<void> {
  const fake = await startFakeTwitch({ authorize: 'approve' });
  try {
    const url = `http://localhost:${String(await freePort())}`;
    fake.identity.apps.set(DEMO_APP.clientId, { ...DEMO_APP, redirectUris: [url] });
    const options = { authBaseUrl: fake.authBaseUrl };
    write(`Fake Twitch identity service at ${fake.authBaseUrl} (no network, no Twitch account needed)`);

    const auth = new UserAuthenticator(
      { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret },
      ['chat:read', 'chat:edit'],
      { url, ...options },
    );
    let browser: Promise<void> = Promise.resolve();
    const token = await auth.authenticate({
      useBrowser: false,
      onAuthUrl: (authUrl) => {
        write(`1. UserAuthenticator listens on ${url} and hands out the authorize URL:`);
        write(`   ${masked(authUrl)}`);
        write('2. The browser opens it (played here by HTTP requests)');
        browser = playBrowser(authUrl, write);
      },
    });
    await browser;
    write(
      `5. authenticate() resolved: the listener checked the state and exchanged the code: access ${abbreviate(token.accessToken)}, ` +
        `refresh ${abbreviate(token.refreshToken)}, ${String(token.expiresIn)} s, scopes ${token.scopes.join(' ')}`,
    );

    const info = await validateToken(token.accessToken, options);
    write(
      `6. validateToken → ${info.valid ? `valid for ${info.login ?? '?'}, ${String(info.expiresIn)} s left` : 'invalid'}`,
    );

    const fresh = await refreshAccessToken(token.refreshToken, DEMO_APP.clientId, DEMO_APP.clientSecret, options);
    write(`7. refreshAccessToken → new access ${abbreviate(fresh.accessToken)}`);

    write(`8. revokeToken → ${String(await revokeToken(DEMO_APP.clientId, fresh.accessToken, options))}`);
    const after = await validateToken(fresh.accessToken, options);
    write(
      `9. validateToken after revoking → ${after.valid ? 'still valid (unexpected!)' : `invalid: ${after.message}`}`,
    );
    write(`Done: ${String(fake.requests.length)} requests to the fake Twitch; the listener is closed.`);
  } finally {
    await fake.close();
  }
}
