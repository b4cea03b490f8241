import { createServer as createNetServer, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationInProgressError,
  AuthorizationCancelledError,
  AuthorizationDeniedError,
  AuthorizationError,
  AuthorizationTimeoutError,
  AuthScope,
  CodeExchangeError,
  ListenerError,
  RedirectMismatchError,
  UserAuthenticator,
  UserToken,
  validateToken,
} from '../src/index.js';
import { DEMO_PUBLIC_APP } from '../src/testing/index.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from './support/fake.js';
import { authorize, fakeBrowser, freePort, loginSetup, visit } from './support/login.js';

/** Resolves when a TCP connection to host:port is accepted, rejects with its error code otherwise. */
function connect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
    socket.connect(port, host);
  });
}

/** Waits until the authenticator's listener accepts connections. */
async function listening(port: number): Promise<void> {
  for (;;) {
    try {
      await connect('127.0.0.1', port);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Listens on host:port and closes again: `'free'`, or the error code (`EADDRINUSE`). */
function tryListen(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = createNetServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? String(error));
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => {
        resolve('free');
      });
    });
  });
}

/** Whether this machine has an IPv6 loopback to bind. */
async function hasIpv6Loopback(): Promise<boolean> {
  return (await tryListen('::1', 0)) === 'free';
}

describe('UserAuthenticator', () => {
  const twitch = useFakeTwitch({ authorize: 'approve' });

  describe('the authorize URL', () => {
    it('carries client_id, the redirect URI exactly as given, response_type, scopes, force_verify and a fresh state', () => {
      for (const url of ['http://localhost:17563', 'http://localhost:17563/', 'http://localhost:17563/cb']) {
        const auth = new UserAuthenticator(
          { appId: 'myappid', appSecret: 'mysecret' },
          [AuthScope.CHAT_READ, 'chat:edit'],
          {
            url,
            forceVerify: true,
          },
        );
        const authUrl = auth.returnAuthUrl();
        expect(authUrl.startsWith('https://id.twitch.tv/oauth2/authorize?')).toBe(true);
        const query = new URL(authUrl).searchParams;
        expect(Object.fromEntries(query)).toEqual({
          client_id: 'myappid',
          redirect_uri: url,
          response_type: 'code',
          scope: 'chat:read chat:edit',
          force_verify: 'true',
          state: auth.state,
        });
        expect(authUrl).toContain('scope=chat%3Aread+chat%3Aedit');
        expect(authUrl).not.toContain('mysecret');
      }
    });

    it('uses a new state of at least 128 random bits every time', () => {
      const auth = new UserAuthenticator({ appId: 'id', appSecret: 'secret' });
      const states = new Set(
        Array.from({ length: 200 }, () => new URL(auth.returnAuthUrl()).searchParams.get('state')),
      );
      expect(states.size).toBe(200);
      for (const state of states) expect(Buffer.from(state ?? '', 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(
        new UserAuthenticator({ appId: 'id', appSecret: 'secret' }, [], { forceVerify: false }).returnAuthUrl(),
      ).toContain('force_verify=false');
    });

    it('exposes its settings, with the documented defaults', () => {
      const auth = new UserAuthenticator({ appId: 'id', appSecret: 'secret' }, ['bits:read']);
      expect(auth).toMatchObject({ url: 'http://localhost:17563', port: 17563, host: undefined, forceVerify: false });
      expect(auth.scopes).toEqual(['bits:read']);
      expect(auth.state).toBeUndefined();
      expect(new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { url: 'http://localhost/cb' }).port).toBe(80);
      expect(new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { url: 'https://bot.example/cb' }).port).toBe(
        443,
      );
    });

    it('refuses unusable settings at construction, with what to do', () => {
      expect(() => new UserAuthenticator({ appId: 'id' })).toThrow(/DeviceCodeFlow/);
      expect(() => new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { url: 'localhost:17563' })).toThrow(
        /url/,
      );
      expect(
        () => new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { url: 'http://localhost:1/#x' }),
      ).toThrow(/fragment/);
      expect(() => new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { port: 70_000 })).toThrow(/port/);
      expect(() => new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { timeoutMs: -5 })).toThrow(/timeoutMs/);
      // @ts-expect-error: a string is not a list of scopes
      expect(() => new UserAuthenticator({ appId: 'id', appSecret: 's' }, 'chat:read')).toThrow(/array/);
    });
  });

  describe('a redirect URI with a query', () => {
    it('refuses one that carries a parameter Twitch adds (state, code, scope, error, error_description), saying why', () => {
      for (const query of [
        'state=abc',
        'code=x',
        'scope=chat%3Aread',
        'error=x',
        'error_description=x',
        'bot=1&%73tate=a',
      ]) {
        const url = `http://localhost:17563/cb?${query}`;
        const construct = (): UserAuthenticator => new UserAuthenticator({ appId: 'id', appSecret: 's' }, [], { url });
        expect(construct, url).toThrow(TypeError);
        expect(construct, url).toThrow(/must not carry the query parameter ".+": Twitch adds .* could never complete/);
      }
    });

    it('completes a login through a redirect URI with a query of its own', async () => {
      const { fake } = twitch;
      const { app, options, url } = await loginSetup(fake, { path: '/cb?bot=1' });
      const browser = fakeBrowser();
      const token = await new UserAuthenticator(app, [], options).authenticate({
        useBrowser: false,
        onAuthUrl: browser.open,
      });
      expect(token).toBeInstanceOf(UserToken);
      expect(fake.requestsTo('/token')[0]?.form['redirect_uri']).toBe(url);
    });
  });

  describe('durations', () => {
    it('refuses a duration past the longest timer Node holds with a TypeError giving the range, instead of firing at once', () => {
      const app = { appId: 'id', appSecret: 's' };
      for (const options of [
        { timeoutMs: 2 ** 31 },
        { timeoutMs: 1e13 },
        { timeoutMs: 0.5 },
        { requestTimeoutMs: 2 ** 31 },
        { retry: { baseDelayMs: 2 ** 31 } },
        { retry: { maxDelayMs: Number.POSITIVE_INFINITY } },
      ]) {
        const name = Object.keys(options)[0] === 'retry' ? 'retry\\.' : Object.keys(options)[0];
        expect(() => new UserAuthenticator(app, [], options), JSON.stringify(options)).toThrow(
          new RegExp(`The ${name ?? ''}.* option must be a whole number of milliseconds from 0 to 2147483647`),
        );
      }
      expect(new UserAuthenticator(app, [], { timeoutMs: 0 })).toBeInstanceOf(UserAuthenticator);
    });

    it('keeps a login with the longest timeoutMs waiting until the redirect comes', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], { ...options, timeoutMs: 2 ** 31 - 1 });
      let authUrl = '';
      let settled = false;
      const running = auth.authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          authUrl = url;
        },
      });
      running.then(
        () => (settled = true),
        () => (settled = true),
      );
      await listening(port);
      // An overflowing timer would have ended the login after about 1 ms.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toBe(false);
      await visit(await authorize(authUrl));
      expect(await running).toBeInstanceOf(UserToken);
    });
  });

  describe('a login through the loopback listener', () => {
    it('gets a user token, exchanging the code with the same redirect URI, then closes the listener', async () => {
      const { fake } = twitch;
      const { port, url, app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const auth = new UserAuthenticator(app, ['chat:read', 'chat:edit'], options);

      const token = await auth.authenticate({ useBrowser: false, onAuthUrl: browser.open });

      expect(token).toBeInstanceOf(UserToken);
      const [accessToken, refreshToken] = token;
      expect(refreshToken).toBe(token.refreshToken);
      expect(token.scopes).toEqual(['chat:read', 'chat:edit']);
      expect(await validateToken(accessToken ?? '', { authBaseUrl: fake.authBaseUrl })).toMatchObject({ valid: true });
      const [exchange] = fake.requestsTo('/token');
      expect(exchange?.form).toEqual({
        client_id: app.appId,
        client_secret: app.appSecret,
        code: expect.any(String) as string,
        grant_type: 'authorization_code',
        redirect_uri: url,
      });
      expect(exchange?.url).toBe('/oauth2/token');
      const page = await browser.page();
      expect(page.status).toBe(200);
      expect(page.html).toContain('You are logged in to Twitch');
      expect(page.html).not.toContain(accessToken);
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(auth.state).toBeUndefined();
    });

    it('uses a fresh state for every login', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const auth = new UserAuthenticator(app, [], options);
      await auth.authenticate({ useBrowser: false, onAuthUrl: browser.open });
      await auth.authenticate({ useBrowser: false, onAuthUrl: browser.open });
      const [first, second] = browser.urls.map((url) => new URL(url).searchParams.get('state'));
      expect(first).not.toBe(second);
    });

    it('answers on 127.0.0.1 and ::1, and on no other interface', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      const controller = new AbortController();
      const running = auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined, signal: controller.signal });
      await listening(port);

      expect((await visit(`http://127.0.0.1:${String(port)}/favicon.ico`)).status).toBe(404);
      expect((await visit(`http://[::1]:${String(port)}/favicon.ico`)).status).toBe(404);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
      if (external === undefined) {
        console.log('No non-loopback IPv4 address on this machine: the "no other interface" check has nothing to try.');
      } else {
        await expect(connect(external, port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      }
      controller.abort();
      await rejectionOf(running);
    });

    it("binds both loopbacks for host: 'localhost', so that no other process can take ::1 (or 127.0.0.1) on the port", async (context) => {
      if (!(await hasIpv6Loopback())) {
        console.warn(
          '\n!!! SKIPPED: this machine has no IPv6 loopback (::1), so whether ::1 is left free cannot be checked here. !!!\n',
        );
        context.skip();
      }
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], { ...options, host: 'localhost' });
      expect(auth.host).toBe('localhost');
      let authUrl = '';
      const running = auth.authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          authUrl = url;
        },
      });
      await listening(port);
      // Injected: another local process tries to listen on each loopback on the login's port.
      const squatters = await Promise.all(['::1', '127.0.0.1'].map((host) => tryListen(host, port)));
      expect(squatters).toEqual(['EADDRINUSE', 'EADDRINUSE']);
      expect((await visit(`http://[::1]:${String(port)}/favicon.ico`)).status).toBe(404);
      await visit(await authorize(authUrl));
      expect(await running).toBeInstanceOf(UserToken);
    });

    it('binds only the address given for a single-family host, as documented', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], { ...options, host: '127.0.0.1' });
      const controller = new AbortController();
      const running = auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined, signal: controller.signal });
      await listening(port);
      expect(await tryListen('127.0.0.1', port)).toBe('EADDRINUSE');
      if (await hasIpv6Loopback()) expect(await tryListen('::1', port)).toBe('free');
      controller.abort();
      await rejectionOf(running);
    });

    it('binds every interface only when asked (host: 0.0.0.0)', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
      const auth = new UserAuthenticator(app, [], { ...options, host: '0.0.0.0' });
      expect(auth.host).toBe('0.0.0.0');
      const controller = new AbortController();
      const running = auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined, signal: controller.signal });
      await listening(port);
      if (external !== undefined) await connect(external, port);
      controller.abort();
      await rejectionOf(running);
    });
  });

  describe('what the listener answers', () => {
    it('answers 404 elsewhere, 405 to other methods, 400 to a wrong or missing state or no code, and keeps waiting', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const auth = new UserAuthenticator(app, [], options);
      let authUrl = '';
      const running = auth.authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          authUrl = url;
        },
      });
      await listening(port);
      const base = `http://localhost:${String(port)}`;
      const state = auth.state ?? '';

      expect((await visit(`${base}/favicon.ico`)).status).toBe(404);
      const post = await visit(`${base}/?code=abc&state=${state}`, 'POST');
      expect(post.status).toBe(405);
      expect(post.headers['allow']).toBe('GET');
      expect((await visit(`${base}/?code=abc&state=forged`)).status).toBe(400);
      expect((await visit(`${base}/?code=abc`)).status).toBe(400);
      expect((await visit(`${base}/?code=abc&state=${state}&state=${state}`)).status).toBe(400);
      const noCode = await visit(`${base}/?state=${state}`);
      expect(noCode.status).toBe(400);
      expect(noCode.html).toContain('without a code');
      expect(fake.requestsTo('/token')).toHaveLength(0);

      browser.open(authUrl);
      expect(await running).toBeInstanceOf(UserToken);
      expect((await browser.page()).status).toBe(200);
    });

    it('answers a second callback during the exchange with an "already finished" page, exchanging once', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      fake.injectFault({ endpoint: '/token', delayMs: 300 });
      const auth = new UserAuthenticator(app, [], options);
      let authUrl = '';
      const running = auth.authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          authUrl = url;
        },
      });
      await listening(port);
      const callback = await authorize(authUrl);
      const first = visit(callback);
      while (fake.requestsTo('/token').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await visit(callback);
      expect(second.status).toBe(200);
      expect(second.html).toContain('already finished');
      expect((await first).html).toContain('You are logged in');
      await running;
      expect(fake.requestsTo('/token')).toHaveLength(1);
    });

    it('escapes what the query carries and says what to do next', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      // The login fails while this test is busy elsewhere: take its rejection now.
      const failure = rejectionOf(auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined }));
      await listening(port);
      const attack = '<script>alert(1)</script>"\'';
      const page = await visit(
        `http://localhost:${String(port)}/?error=server_error&error_description=${encodeURIComponent(attack)}&state=${auth.state ?? ''}`,
      );
      expect(page.html).not.toContain('<script>');
      expect(page.html).toContain('&#60;script&#62;');
      expect(page.html).toContain('Start the login again');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.html).not.toMatch(/<(script|link|img)|src=|href=/);
      const error = await failure;
      expect(error).toBeInstanceOf(AuthorizationError);
      expect(error).toMatchObject({ error: 'server_error', description: attack });
    });

    it('falls back to the built-in page when a custom page throws, and keeps the outcome', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const warnings: string[] = [];
      const onWarning = (warning: Error): void => {
        warnings.push(warning.message);
      };
      // Caught here instead of Node's default printing: an expected warning is not stderr noise.
      const printers = process.listeners('warning');
      process.removeAllListeners('warning');
      process.on('warning', onWarning);
      try {
        const throwing = (): string => {
          throw new Error('template bug');
        };
        const success = new UserAuthenticator(app, [], { ...options, successPage: throwing, failurePage: throwing });
        expect(await success.authenticate({ useBrowser: false, onAuthUrl: browser.open })).toBeInstanceOf(UserToken);
        expect((await browser.page()).html).toContain('You are logged in to Twitch');

        fake.identity.authorizeMode = 'deny';
        const denied = await rejectionOf(success.authenticate({ useBrowser: false, onAuthUrl: browser.open }));
        expect(denied).toBeInstanceOf(AuthorizationDeniedError);
        expect((await browser.page()).html).toContain('The Twitch login did not complete');
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.filter((message) => message.includes('template bug'))).toHaveLength(2);
      } finally {
        process.off('warning', onWarning);
        for (const printer of printers) process.on('warning', printer);
      }
    });

    it("bounds what it quotes of Twitch's error and error_description", async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      const failure = rejectionOf(auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined }));
      await listening(port);
      // Injected: a redirect whose error and description are 6000 characters each.
      const page = await visit(
        `http://localhost:${String(port)}/?error=${'e'.repeat(6000)}&error_description=${'d'.repeat(6000)}&state=${auth.state ?? ''}`,
      );
      const error = await failure;
      expect(error).toBeInstanceOf(AuthorizationError);
      const { error: code, description } = error as AuthorizationError;
      expect(code.length).toBeLessThanOrEqual(200);
      expect(description?.length).toBeLessThanOrEqual(200);
      expect(description?.endsWith('…')).toBe(true);
      expect(String(error).length).toBeLessThan(1000);
      expect(page.html.length).toBeLessThan(4000);
    });

    it('gives custom failure pages escaped fields only', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const seen: { error: string; message: string }[] = [];
      const auth = new UserAuthenticator(app, [], {
        ...options,
        failurePage: (info) => {
          seen.push(info);
          return 'x';
        },
      });
      const failure = rejectionOf(auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined }));
      await listening(port);
      await visit(
        `http://localhost:${String(port)}/?error=${encodeURIComponent('<b>x</b>')}&state=${auth.state ?? ''}`,
      );
      await failure;
      expect(seen[0]?.error).toBe('&#60;b&#62;x&#60;/b&#62;');
      expect(seen[0]?.message).not.toContain('<b>');
    });

    it('serves custom success and failure pages, as HTML or functions', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const success = new UserAuthenticator(app, ['chat:read'], {
        ...options,
        successPage: ({ scopes }) => `<p>custom ok ${scopes.join()}</p>`,
      });
      await success.authenticate({ useBrowser: false, onAuthUrl: browser.open });
      expect((await browser.page()).html).toBe('<p>custom ok chat:read</p>');

      fake.identity.authorizeMode = 'deny';
      const failure = new UserAuthenticator(app, [], { ...options, failurePage: '<p>custom failure</p>' });
      await rejectionOf(failure.authenticate({ useBrowser: false, onAuthUrl: browser.open }));
      expect((await browser.page()).html).toBe('<p>custom failure</p>');
    });
  });

  describe('how a login fails', () => {
    it('rejects with AuthorizationDeniedError when the user clicks Cancel, showing the failure page', async () => {
      const { fake } = twitch;
      fake.identity.authorizeMode = 'deny';
      const { port, app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const error = await rejectionOf(
        new UserAuthenticator(app, [], options).authenticate({ useBrowser: false, onAuthUrl: browser.open }),
      );
      expect(error).toBeInstanceOf(AuthorizationDeniedError);
      expect(error).toMatchObject({ error: 'access_denied', description: 'The user denied you access' });
      expect((await browser.page()).html).toContain('The Twitch login did not complete');
      expect(fake.requestsTo('/token')).toHaveLength(0);
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('explains a redirect_mismatch in the browser at once, and rejects with RedirectMismatchError when no login follows', async () => {
      const { fake } = twitch;
      // Registered with a trailing slash; the bot uses the URL without one. Twitch sends the
      // browser to the first registered URI, with the error and no state.
      const port = await freePort();
      const url = `http://localhost:${String(port)}`;
      const { app, options } = await loginSetup(fake, { registered: [`${url}/`] });
      const browser = fakeBrowser();
      const error = await rejectionOf(
        new UserAuthenticator(app, [], { ...options, url, timeoutMs: 500 }).authenticate({
          useBrowser: false,
          onAuthUrl: browser.open,
        }),
      );
      const page = await browser.page();
      expect(page.status).toBe(400);
      expect(page.html).toContain('not registered');
      expect(error).toBeInstanceOf(RedirectMismatchError);
      expect(error).toMatchObject({ redirectUri: url, error: 'redirect_mismatch' });
      expect(String(error)).toContain(`Add exactly ${url} as an OAuth Redirect URL`);
    });

    it('does not let a forged redirect_mismatch (no state) end a real login', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      let authUrl = '';
      const running = auth.authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          authUrl = url;
        },
      });
      await listening(port);
      // What <img src="http://localhost:17563/?error=redirect_mismatch"> on any web page would send.
      expect((await visit(`http://localhost:${String(port)}/?error=redirect_mismatch`)).status).toBe(400);
      await visit(await authorize(authUrl));
      expect(await running).toBeInstanceOf(UserToken);
    });

    it('rejects with an AuthorizationError carrying any other error Twitch reports', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const error = await rejectionOf(
        new UserAuthenticator(app, ['not:a:scope'], options).authenticate({
          useBrowser: false,
          onAuthUrl: fakeBrowser().open,
        }),
      );
      expect(error).toBeInstanceOf(AuthorizationError);
      expect(error).toMatchObject({ error: 'invalid_scope', description: 'Invalid scope: not:a:scope' });
    });

    it('rejects with CodeExchangeError when Twitch refuses the code, pointing public clients to DeviceCodeFlow', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      fake.identity.apps.set(app.appId, { ...DEMO_PUBLIC_APP, clientId: app.appId, redirectUris: [options.url ?? ''] });
      const browser = fakeBrowser();
      const error = await rejectionOf(
        new UserAuthenticator(app, [], options).authenticate({ useBrowser: false, onAuthUrl: browser.open }),
      );
      expect(error).toBeInstanceOf(CodeExchangeError);
      expect(error).toMatchObject({ status: 400, endpoint: 'POST /token' });
      expect(String(error)).toContain('DeviceCodeFlow');
      const page = await browser.page();
      expect(page.html).toContain('DeviceCodeFlow');
      // Neither the error nor the page shows the secret or the (spent) code.
      const code = fake.requestsTo('/token')[0]?.form['code'] ?? 'no code was sent';
      expectNoSecretsIn(error, [app.appSecret, code]);
      expect(page.html).not.toContain(app.appSecret);
      expect(page.html).not.toContain(code);
    });

    it('fails at once with ListenerError naming the port when it is taken, and can run once it is free', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const squatter = createNetServer();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      const auth = new UserAuthenticator(app, [], options);
      const onAuthUrl = vi.fn();
      try {
        const error = await rejectionOf(auth.authenticate({ useBrowser: false, onAuthUrl }));
        expect(error).toBeInstanceOf(ListenerError);
        expect(error).toMatchObject({ code: 'EADDRINUSE', port });
        expect(String(error)).toMatch(new RegExp(`Port ${String(port)} is already in use.*register that exact URL`));
        expect(onAuthUrl).not.toHaveBeenCalled();
        // Not left half-started: the other family's socket was closed too.
        await expect(connect('::1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
      expect(await auth.authenticate({ useBrowser: false, onAuthUrl: fakeBrowser().open })).toBeInstanceOf(UserToken);
    });

    it('rejects with AuthorizationTimeoutError after timeoutMs, closing the listener', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], { ...options, timeoutMs: 150 });
      const error = await rejectionOf(auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined }));
      expect(error).toBeInstanceOf(AuthorizationTimeoutError);
      expect(String(error)).toMatch(/within 0 s|within \d+ s/);
      // The one default that differs from the original (0.0.0.0): the message names host, for Docker set-ups.
      expect(error).toMatchObject({ boundTo: ['127.0.0.1', '::1'] });
      expect(String(error)).toContain('bound to 127.0.0.1 and ::1 (the host option): only a browser on this machine');
      expect(String(error)).toContain("set host (e.g. '0.0.0.0')");
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('rejects with the signal reason when aborted, before or during the login', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      const reason = new Error('shutting down');
      expect(await rejectionOf(auth.authenticate({ useBrowser: false, signal: AbortSignal.abort(reason) }))).toBe(
        reason,
      );

      const controller = new AbortController();
      const running = auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined, signal: controller.signal });
      await listening(port);
      controller.abort(reason);
      expect(await rejectionOf(running)).toBe(reason);
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('ends a running login on stop() with AuthorizationCancelledError; stop() when idle does nothing', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      auth.stop();
      const running = auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined });
      await listening(port);
      auth.stop();
      expect(await rejectionOf(running)).toBeInstanceOf(AuthorizationCancelledError);
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('stops a login that is still starting', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      const onAuthUrl = vi.fn();
      const running = auth.authenticate({ useBrowser: false, onAuthUrl });
      auth.stop();
      expect(await rejectionOf(running)).toBeInstanceOf(AuthorizationCancelledError);
      expect(onAuthUrl).not.toHaveBeenCalled();
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('refuses a second authenticate() while a login runs', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      const running = auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined });
      await listening(port);
      expect(await rejectionOf(auth.authenticate({ useBrowser: false }))).toBeInstanceOf(AuthenticationInProgressError);
      auth.stop();
      await rejectionOf(running);
    });

    it('rejects with the error of onAuthUrl, closing the listener', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const broken = new Error('could not send the URL');
      const error = await rejectionOf(
        new UserAuthenticator(app, [], options).authenticate({
          useBrowser: false,
          onAuthUrl: () => Promise.reject(broken),
        }),
      );
      expect(error).toBe(broken);
      await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  describe('the browser', () => {
    it('prints the URL to stderr, keeps waiting, when no browser can be opened', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const written: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        const auth = new UserAuthenticator(app, [], options);
        const running = auth.authenticate({ browser: 'no-such-browser-for-twitchapi-oauth' });
        await listening(port);
        while (written.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        const text = written.join('');
        expect(text).toContain('The browser could not be opened.');
        expect(text).toContain(`Waiting for the redirect to http://localhost:${String(port)}`);
        const printed = /(http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?\S+)/.exec(text)?.[1] ?? '';
        expect(printed).toBe(auth.returnAuthUrl());
        await visit(await authorize(printed));
        expect(await running).toBeInstanceOf(UserToken);
      } finally {
        spy.mockRestore();
      }
    });

    it('hands the URL to onAuthUrl when the browser fails', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const browser = fakeBrowser();
      const token = await new UserAuthenticator(app, [], options).authenticate({
        browser: 'no-such-browser-for-twitchapi-oauth',
        onAuthUrl: browser.open,
      });
      expect(token).toBeInstanceOf(UserToken);
      expect(browser.urls).toHaveLength(1);
    });
  });

  describe('server mode', () => {
    it('exchanges a code obtained elsewhere, checking the state it issued, once', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, ['chat:read'], options);
      const authUrl = auth.returnAuthUrl();
      const callback = new URL(await authorize(authUrl));
      const code = callback.searchParams.get('code') ?? '';
      const state = callback.searchParams.get('state') ?? '';
      expect(state).toBe(auth.state);

      const token = await auth.authenticate({ userToken: code, state });
      expect(token.scopes).toEqual(['chat:read']);
      expect(fake.requestsTo('/token')[0]?.form['redirect_uri']).toBe(options.url);

      const replay = await rejectionOf(auth.authenticate({ userToken: code, state }));
      expect(replay).toBeInstanceOf(AuthorizationError);
      expect(replay).toMatchObject({ error: 'state_mismatch' });
      expect(fake.requestsTo('/token')).toHaveLength(1);
    });

    it('refuses a state it never issued, and leaves the check to the caller when no state is given', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      const code = new URL(await authorize(auth.returnAuthUrl())).searchParams.get('code') ?? '';
      expect(await rejectionOf(auth.authenticate({ userToken: code, state: 'forged' }))).toMatchObject({
        error: 'state_mismatch',
      });
      expect(await auth.authenticate({ userToken: code })).toBeInstanceOf(UserToken);
    });

    it('returns the running login URL from returnAuthUrl()', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      let handedOut = '';
      const running = auth.authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          handedOut = url;
        },
      });
      await listening(port);
      expect(auth.returnAuthUrl()).toBe(handedOut);
      await visit(await authorize(auth.returnAuthUrl()));
      await running;
    });
  });

  describe('callback mode (the original non-blocking mode)', () => {
    /** A promise and the function that settles it. */
    function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
      let resolve: (value: T) => void = () => undefined;
      const promise = new Promise<T>((settle) => {
        resolve = settle;
      });
      return { promise, resolve };
    }

    it('resolves once started, then calls callback(accessToken, refreshToken, token)', async () => {
      const { fake } = twitch;
      const { app, options } = await loginSetup(fake);
      const received = deferred<[string, string, UserToken]>();
      const onError = vi.fn();
      let authUrl = '';
      const starting = new UserAuthenticator(app, [], options).authenticate({
        useBrowser: false,
        onAuthUrl: (url) => {
          authUrl = url;
        },
        callback: (accessToken, refreshToken, token) => {
          received.resolve([accessToken, refreshToken, token]);
        },
        onError,
      });
      await expect(starting).resolves.toBeUndefined();
      expect(fake.requestsTo('/token')).toHaveLength(0);

      await visit(await authorize(authUrl));
      const [accessToken, refreshToken, token] = await received.promise;
      expect(accessToken).toBe(token.accessToken);
      expect(refreshToken).toBe(token.refreshToken);
      expect(onError).not.toHaveBeenCalled();
    });

    it('reports a failed login to onError, never losing it', async () => {
      const { fake } = twitch;
      fake.identity.authorizeMode = 'deny';
      const { app, options } = await loginSetup(fake);
      const failed = deferred<unknown>();
      const callback = vi.fn();
      const browser = fakeBrowser();
      await new UserAuthenticator(app, [], options).authenticate({
        useBrowser: false,
        onAuthUrl: browser.open,
        callback,
        onError: failed.resolve,
      });
      expect(await failed.promise).toBeInstanceOf(AuthorizationDeniedError);
      expect(callback).not.toHaveBeenCalled();
    });

    it('needs onError, and rejects itself when the login cannot start', async () => {
      const { fake } = twitch;
      const { port, app, options } = await loginSetup(fake);
      const auth = new UserAuthenticator(app, [], options);
      // @ts-expect-error: callback mode needs onError
      const missing = await rejectionOf(auth.authenticate({ callback: () => undefined }));
      expect(missing).toBeInstanceOf(TypeError);

      const squatter = createNetServer();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      const onError = vi.fn();
      try {
        const error = await rejectionOf(
          auth.authenticate({ useBrowser: false, onAuthUrl: () => undefined, callback: () => undefined, onError }),
        );
        expect(error).toBeInstanceOf(ListenerError);
        expect(onError).not.toHaveBeenCalled();
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
    });
  });
});
