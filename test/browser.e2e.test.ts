/**
 * End-to-end login in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) goes to the fake Twitch's consent page, clicks Authorize or Cancel, follows the
 * redirect to UserAuthenticator's loopback listener and shows its page.
 *
 * The browser is found at CHROMIUM_PATH, else /usr/bin/chromium. Without it the tests skip locally,
 * saying why, and FAIL when CI=true (.ci/run installs chromium, so a missing one there is a bug).
 * Screenshots go to test-artifacts/browser-e2e/.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { AuthorizationDeniedError, AuthScope, UserAuthenticator, UserToken, validateToken } from '../src/index.js';
import { DEMO_APP, DEMO_USER, startFakeTwitch, type FakeTwitch } from '../src/testing/index.js';

const EXECUTABLE = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const IN_CI = process.env['CI'] === 'true';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/browser-e2e/', import.meta.url));

/** Flags this closed network needs: without the background-networking ones Chromium dials out at start. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SCOPES = [AuthScope.CHAT_READ, AuthScope.CHAT_EDIT];
const LOGIN_TIMEOUT_MS = 45_000;
const STEP_TIMEOUT_MS = 15_000;

/** Why the browser cannot be used, or `undefined` when it is there and executable. */
function browserMissingReason(): string | undefined {
  try {
    accessSync(EXECUTABLE, fsConstants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return (
      `Chromium not found at ${EXECUTABLE} (${code}). Install Debian's package ` +
      `(apt-get update && apt-get install -y --no-install-recommends chromium) ` +
      `or set CHROMIUM_PATH to a Chromium executable.`
    );
  }
}

const missingReason = browserMissingReason();
const skipHere = missingReason !== undefined && !IN_CI;
if (skipHere) {
  console.warn(`[browser.e2e] SKIPPED: ${missingReason} (With CI=true this is a failure, not a skip.)`);
}

/** A port free on 127.0.0.1 and ::1 (where IPv6 exists), for the loopback listener. */
async function freePort(): Promise<number> {
  const listen = (host: string, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => {
          resolve(bound);
        });
      });
    });
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const port = await listen('127.0.0.1', 0);
    try {
      await listen('::1', port);
      return port;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return port; // no IPv6 here
    }
  }
  throw new Error('No port free on both 127.0.0.1 and ::1 after 10 tries.');
}

/** What the page reported that a person would not see: console errors, page errors, failed requests. */
interface PageTrouble {
  readonly lines: string[];
}

function watchPage(page: Page): PageTrouble {
  const trouble: PageTrouble = { lines: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      const where = message.location().url;
      trouble.lines.push(`console.${message.type()}: ${message.text()}${where === '' ? '' : ` (${redact(where)})`}`);
    }
  });
  page.on('pageerror', (error) => trouble.lines.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      trouble.lines.push(`HTTP ${String(response.status())}: ${response.request().method()} ${redact(response.url())}`);
    }
  });
  page.on('requestfailed', (request) => {
    trouble.lines.push(
      `requestfailed: ${request.method()} ${redact(request.url())} (${request.failure()?.errorText ?? '?'})`,
    );
  });
  return trouble;
}

/** What is left once the browser's own favicon requests (404 at the fake) are set aside. */
function unexpected(trouble: PageTrouble): string[] {
  return trouble.lines.filter((line) => !/\/favicon\.ico\)?$/.test(line));
}

/** Hides codes and states in logged URLs. */
function redact(url: string): string {
  return url.replace(/([?&](?:code|state)=)[^&]+/g, '$1…');
}

/** Starts a login and returns its result together with the authorize URL handed to `onAuthUrl`. */
async function startLogin(
  auth: UserAuthenticator,
  onResult: (result: Promise<UserToken>) => void,
): Promise<{ authUrl: string; result: Promise<UserToken> }> {
  let handOut!: (url: string) => void;
  const urlGiven = new Promise<string>((resolve) => {
    handOut = resolve;
  });
  // onAuthUrl only records the URL: the test drives the page, so nothing inside authenticate()
  // waits on the browser.
  const result = auth.authenticate({
    useBrowser: false,
    onAuthUrl: (url) => {
      handOut(url);
    },
  });
  // Keep a rejection from being unhandled while the test is busy with the page; it is awaited later.
  result.catch(() => undefined);
  onResult(result);
  const authUrl = await Promise.race([
    urlGiven,
    result.then(
      () => Promise.reject(new Error('authenticate() resolved before handing out the authorize URL')),
      (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
    ),
  ]);
  return { authUrl, result };
}

describe.skipIf(skipHere)('login in a real browser (headless Chromium)', () => {
  let browser: Browser | undefined;
  /** Why the browser is not usable; thrown in beforeEach so that every test FAILS with it. */
  let unusable: Error | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let trouble: PageTrouble | undefined;
  let fake: FakeTwitch | undefined;
  let auth: UserAuthenticator | undefined;
  /** The running login's result, awaited in afterEach so that its listener is closed. */
  let login: Promise<UserToken> | undefined;
  let redirectUri: string;

  beforeAll(async () => {
    if (missingReason !== undefined) {
      // Only reached with CI=true: a missing browser in CI is a failure, never a skip.
      unusable = new Error(`CI=true but the browser tests cannot run: ${missingReason}`);
      return;
    }
    await mkdir(ARTIFACTS, { recursive: true });
    try {
      browser = await chromium.launch({ executablePath: EXECUTABLE, args: CHROMIUM_ARGS, timeout: 30_000 });
    } catch (error) {
      unusable = new Error(`Chromium at ${EXECUTABLE} did not start: ${String(error)}`, { cause: error });
    }
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    browser = undefined;
  }, 20_000);

  beforeEach(async () => {
    if (unusable !== undefined) throw unusable;
    if (browser === undefined) throw new Error('The browser did not start.');
    redirectUri = `http://localhost:${String(await freePort())}`;
    fake = await startFakeTwitch({
      authorize: 'consent',
      apps: [{ ...DEMO_APP, redirectUris: [redirectUri] }],
    });
    auth = new UserAuthenticator({ appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret }, SCOPES, {
      url: redirectUri,
      authBaseUrl: fake.authBaseUrl,
      timeoutMs: LOGIN_TIMEOUT_MS,
    });
    context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    page = await context.newPage();
    trouble = watchPage(page);
  }, 30_000);

  afterEach(async (testContext) => {
    // Only what a person would notice: the browser's own favicon request (404 by design) is not news.
    const noticed = trouble === undefined ? [] : unexpected(trouble);
    if (noticed.length > 0) {
      console.log(`[browser.e2e] ${testContext.task.name}: the page reported\n  ${noticed.join('\n  ')}`);
    }
    trouble = undefined;
    // A login a failed test left waiting is stopped; its listener is closed once it settles.
    auth?.stop();
    await login?.catch(() => undefined);
    login = undefined;
    auth = undefined;
    await context?.close();
    context = undefined;
    await fake?.close();
    fake = undefined;
  }, 20_000);

  /** Starts the login, remembering it for afterEach. */
  function begin(): Promise<{ authUrl: string; result: Promise<UserToken> }> {
    return startLogin(auth!, (result) => {
      login = result;
    });
  }

  /** Goes to the authorize URL and checks the fake's consent page is shown. */
  async function openConsentPage(authUrl: string): Promise<void> {
    const response = await page.goto(authUrl);
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.title()).toBe('Authorize application');
    expect(await page.locator('h1').innerText()).toBe('Demo Bot wants to access your account');
    expect(await page.locator('main').innerText()).toContain(`Logged in as ${DEMO_USER.login}`);
    expect(await page.locator('li code').allInnerTexts()).toEqual(SCOPES);
    expect(await page.locator('#authorize').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(true);
  }

  test('Authorize: the listener shows the success page and authenticate() resolves with a valid token', async () => {
    const { authUrl, result } = await begin();
    await openConsentPage(authUrl);
    await page.screenshot({ path: `${ARTIFACTS}consent-page.png`, fullPage: true });

    await Promise.all([page.waitForURL((url) => url.origin === new URL(redirectUri).origin), page.click('#authorize')]);
    await page.waitForLoadState('load');
    expect(await page.title()).toBe('Logged in to Twitch');
    expect(await page.locator('h1').innerText()).toBe('You are logged in to Twitch');
    expect(await page.locator('main').innerText()).toContain('Granted: chat:read chat:edit');
    // The code and state arrived in the listener's URL; the page was served from the redirect URI.
    const landed = new URL(page.url());
    expect(landed.searchParams.get('code')).toMatch(/^[a-z0-9]{30}$/);
    expect(landed.searchParams.get('state')).toBe(new URL(authUrl).searchParams.get('state'));
    await page.screenshot({ path: `${ARTIFACTS}success-page.png`, fullPage: true });

    const token = await result;
    expect(token).toBeInstanceOf(UserToken);
    expect(token.scopes).toEqual(SCOPES);
    expect(token.refreshToken).not.toBe('');
    const info = await validateToken(token.accessToken, { authBaseUrl: fake!.authBaseUrl });
    expect(info).toMatchObject({
      valid: true,
      clientId: DEMO_APP.clientId,
      login: DEMO_USER.login,
      userId: DEMO_USER.id,
      scopes: SCOPES,
    });
    // One code exchange, with the redirect URI exactly as registered.
    expect(fake!.requestsTo('/token').map((request) => request.form['redirect_uri'])).toEqual([redirectUri]);
    // The one-shot listener is gone once authenticate() settled.
    await expect(fetch(redirectUri)).rejects.toThrow();
    expect(unexpected(trouble!)).toEqual([]);
  });

  test('Cancel: the listener shows the failure page and authenticate() rejects with AuthorizationDeniedError', async () => {
    const { authUrl, result } = await begin();
    await openConsentPage(authUrl);

    await Promise.all([
      page.waitForURL((url) => url.origin === new URL(redirectUri).origin),
      page.getByRole('button', { name: 'Cancel' }).click(),
    ]);
    await page.waitForLoadState('load');
    expect(await page.title()).toBe('Twitch login failed');
    expect(await page.locator('h1').innerText()).toBe('The Twitch login did not complete');
    expect(await page.locator('main').innerText()).toContain('The user did not authorize the app on Twitch');
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
    await page.screenshot({ path: `${ARTIFACTS}denied-failure-page.png`, fullPage: true });

    const error = await result.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(AuthorizationDeniedError);
    expect(fake!.requestsTo('/token')).toHaveLength(0);
    await expect(fetch(redirectUri)).rejects.toThrow();
    expect(unexpected(trouble!)).toEqual([]);
  });
});
