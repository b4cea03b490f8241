import { createServer } from 'node:net';
import { request } from 'undici';
import type { UserAuthenticatorOptions } from '../../src/index.js';
import { DEMO_APP, type FakeApp, type FakeTwitch } from '../../src/testing/index.js';

/** A port free on both 127.0.0.1 and ::1, as the listener binds both. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindAndRelease('127.0.0.1', 0);
    if ((await bindAndRelease('::1', port).catch(() => undefined)) !== undefined) return port;
  }
  throw new Error('No port free on both loopback families.');
}

function bindAndRelease(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  });
}

/** A fresh port, the app registered for it at the fake, and authenticator options pointing at both. */
export async function loginSetup(
  fake: FakeTwitch,
  overrides: { path?: string; registered?: readonly string[] } = {},
): Promise<{
  port: number;
  url: string;
  app: { appId: string; appSecret: string };
  options: UserAuthenticatorOptions;
}> {
  const port = await freePort();
  const url = `http://localhost:${String(port)}${overrides.path ?? ''}`;
  const app: FakeApp = { ...DEMO_APP, clientId: `app${String(port)}`, redirectUris: overrides.registered ?? [url] };
  fake.identity.apps.set(app.clientId, app);
  return {
    port,
    url,
    app: { appId: app.clientId, appSecret: app.clientSecret ?? '' },
    options: { url, authBaseUrl: fake.authBaseUrl, retry: { baseDelayMs: 1 } },
  };
}

/** An answer as a browser sees it. */
export interface Page {
  readonly status: number;
  readonly html: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Sends one request without following redirects (undici.request: no fetch-spec header rules). */
export async function visit(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<Page> {
  const response = await request(url, { method, headers: { connection: 'close', ...headers } });
  return { status: response.statusCode, html: await response.body.text(), headers: response.headers };
}

/** Where Twitch (the fake) redirects the browser for this authorize URL. */
export async function authorize(authUrl: string): Promise<string> {
  const answer = await visit(authUrl);
  const location = answer.headers['location'];
  if (answer.status !== 302 || typeof location !== 'string') {
    throw new Error(`The fake's /authorize answered ${String(answer.status)} instead of a redirect.`);
  }
  return location;
}

/**
 * Plays the browser: asks the fake to authorize, then follows the redirect to the listener.
 * `onAuthUrl: browser.open` starts a visit; `await browser.page()` is its last page.
 */
export function fakeBrowser(): { open: (authUrl: string) => void; page: () => Promise<Page>; urls: string[] } {
  const visits: Promise<Page>[] = [];
  const urls: string[] = [];
  return {
    urls,
    open: (authUrl) => {
      urls.push(authUrl);
      const visited = authorize(authUrl).then((location) => visit(location));
      visited.catch(() => undefined); // awaited through page() by the tests that care
      visits.push(visited);
    },
    page: async () => {
      const last = visits.at(-1);
      if (last === undefined) throw new Error('The browser was never opened.');
      return last;
    },
  };
}
