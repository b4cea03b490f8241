import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeviceCodeFlow,
  FileTokenStore,
  UserAuthenticationStorageHelper,
  UserAuthenticator,
  type Logger,
  type UserToken,
} from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, ManualClock, startFakeTwitch, type FakeTwitch } from '../src/testing/index.js';
import { fakeBrowser, loginSetup } from './support/login.js';

/** A logger that keeps every line, as console/pino would print them. */
function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (message) => lines.push(message) };
}

/** The secrets a login handles: none may reach a log line. */
function secretsOf(token: UserToken, ...more: (string | undefined)[]): string[] {
  return [token.accessToken, token.refreshToken, ...more].filter((secret): secret is string => secret !== undefined);
}

let fake: FakeTwitch;
let folder: string;
beforeEach(async () => {
  fake = await startFakeTwitch();
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-logger-'));
});
afterEach(async () => {
  await fake.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('the logger option (Python: the logger attribute)', () => {
  it('UserAuthenticator tells each step of a login, and no line carries the code, the state, a token or the secret', async () => {
    const { app, options } = await loginSetup(fake);
    const logger = recordingLogger();
    const auth = new UserAuthenticator(app, ['chat:read'], { ...options, logger });
    expect(auth.logger).toBe(logger);
    const browser = fakeBrowser();

    const token = await auth.authenticate({ useBrowser: false, onAuthUrl: browser.open });

    expect(
      logger.lines.map((line) => line.replace(/port \d+/, 'port N').replace(/localhost:\d+/, 'localhost:N')),
    ).toEqual([
      'twitchapi-oauth: listening on 127.0.0.1 and ::1 port N for the redirect to http://localhost:N',
      'twitchapi-oauth: handed the authorize URL to onAuthUrl (browser: not-asked)',
      'twitchapi-oauth: redirect received: code',
      'twitchapi-oauth: exchanging the code for a token',
      'twitchapi-oauth: login done (scopes chat:read)',
    ]);
    const redirect = new URL((await browser.page()).headers['location'] ?? browser.urls[0] ?? '');
    const code = fake.requestsTo('/token')[0]?.form['code'];
    const state = new URL(browser.urls[0] ?? '').searchParams.get('state') ?? undefined;
    expect(code).toBeDefined();
    const text = logger.lines.join('\n');
    for (const secret of secretsOf(token, code, state, app.appSecret, redirect.search || undefined)) {
      expect(text).not.toContain(secret);
    }
  });

  it('a logger that throws does not break the login (it becomes a process warning)', async () => {
    const { app, options } = await loginSetup(fake);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const logger: Logger = {
        debug: () => {
          throw new Error('disk full');
        },
      };
      const auth = new UserAuthenticator(app, [], { ...options, logger });
      const token = await auth.authenticate({ useBrowser: false, onAuthUrl: fakeBrowser().open });
      expect(token.accessToken).not.toBe('');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((message) => message.includes('The logger threw: Error: disk full'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('DeviceCodeFlow tells the code issued and each poll, never the device code, the user code or the token', async () => {
    const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
    await fake.close();
    fake = await startFakeTwitch({ now: () => clock.now() });
    const logger = recordingLogger();
    const flow = new DeviceCodeFlow({ appId: DEMO_PUBLIC_APP.clientId }, ['chat:read'], {
      authBaseUrl: fake.authBaseUrl,
      clock,
      logger,
    });
    const code = await flow.getCode();
    const waiting = flow.waitForAuthComplete();
    const settled = { done: false };
    const isDone = (): boolean => settled.done;
    waiting.then(
      () => (settled.done = true),
      () => (settled.done = true),
    );
    // Whenever the flow sleeps, time moves to its next poll; Twitch approves before the second.
    for (let polls = 0; !isDone() && polls < 10; polls++) {
      while (!isDone() && clock.nextTimerAt === undefined) await new Promise((resolve) => setImmediate(resolve));
      if (isDone()) break;
      if (polls === 1) fake.identity.decideDevice(code.userCode, true);
      await clock.advance((clock.nextTimerAt ?? clock.now()) - clock.now());
    }
    const token = await waiting;

    expect(logger.lines).toEqual([
      'twitchapi-oauth: device code issued: expires in 1800 s, polls every 5 s',
      'twitchapi-oauth: poll 1: pending; next in 5000 ms',
      'twitchapi-oauth: poll 2: approved (scopes chat:read)',
    ]);
    const deviceCode = fake.requestsTo('/token')[0]?.form['device_code'];
    const text = logger.lines.join('\n');
    for (const secret of secretsOf(token, deviceCode, code.userCode)) expect(text).not.toContain(secret);
  });

  it('UserAuthenticationStorageHelper tells what bind() found and did, and hands the logger to its login', async () => {
    const logger = recordingLogger();
    const storagePath = join(folder, 'user_token.json');
    const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
    const issued = fake.issueUserToken({ scopes: ['chat:read'] });
    const helper = new UserAuthenticationStorageHelper(app, ['chat:read'], {
      storagePath,
      authBaseUrl: fake.authBaseUrl,
      authGenerator: () => Promise.resolve(issued),
      logger,
    });
    expect(helper.logger).toBe(logger);

    const first = await helper.bind();
    await first.stop();
    const again = await helper.bind();
    await again.stop();

    expect(logger.lines).toEqual([
      'twitchapi-oauth: no stored token under "default"',
      'twitchapi-oauth: logging in',
      'twitchapi-oauth: new token stored under "default"',
      'twitchapi-oauth: stored token under "default" (generation 1); validating it',
      'twitchapi-oauth: the stored token is usable',
    ]);
    const text = logger.lines.join('\n');
    for (const secret of secretsOf(issued, app.appSecret)) expect(text).not.toContain(secret);
    expect(await new FileTokenStore(storagePath).read('default')).toMatchObject({ generation: 1 });
  });
});
