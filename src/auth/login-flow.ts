import type { ServerResponse } from 'node:http';
import { AuthorizationDeniedError } from '../errors/authorization-denied-error.js';
import { AuthorizationError } from '../errors/authorization-error.js';
import { AuthorizationTimeoutError } from '../errors/authorization-timeout-error.js';
import { RedirectMismatchError } from '../errors/redirect-mismatch-error.js';
import { TwitchAPIError } from '../errors/twitch-api-error.js';
import { exchangeCode } from '../helpers/exchange-code.js';
import { escapeHtml } from '../html/escape-html.js';
import type { HttpOptions } from '../http/options.js';
import { describeScopes, errorName } from '../log/logger.js';
import type { UserToken } from '../tokens/user-token.js';
import type { Login } from './login.js';
import { LoopbackListener, sendPage } from './loopback-listener.js';
import { openBrowser, type BrowserOutcome } from './open-browser.js';
import {
  failurePage,
  noticePage,
  renderPage,
  successPage,
  type CustomPage,
  type FailurePageInfo,
  type SuccessPageInfo,
} from './pages.js';
import { readCallback } from './read-callback.js';

// This module is loaded by UserAuthenticator.authenticate() when a login starts, so that importing
// the library loads neither node:http nor the browser opener.

/** What a login needs from its `UserAuthenticator`. */
export interface LoginSettings {
  readonly appId: string;
  readonly appSecret: string;
  /** The redirect URI, exactly as registered. */
  readonly url: string;
  /** The redirect URI's path, the only one the listener answers. */
  readonly redirectPath: string;
  /** The bind address; `undefined` or `localhost` for loopback (127.0.0.1 and, where it exists, ::1). */
  readonly host: string | undefined;
  readonly port: number;
  /** `0` waits forever. */
  readonly timeoutMs: number;
  readonly http: HttpOptions;
  readonly successPage: CustomPage<SuccessPageInfo> | undefined;
  readonly failurePage: CustomPage<FailurePageInfo> | undefined;
  /** The `logger` option's line writer (silent without one); never given a secret. */
  readonly log: (message: string) => void;
}

/** How the authorize URL reaches the user, and how the login can be cancelled. */
export interface HandOutOptions {
  readonly useBrowser?: boolean | undefined;
  readonly browser?: string | undefined;
  readonly onAuthUrl?: ((url: string) => void | Promise<void>) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs a login to its end: starts the listener, hands out the authorize URL, waits for the
 * redirect (or the timeout, the signal, `stop()`), exchanges the code. Whatever the outcome, the
 * timer and listeners are removed and the listener closed before this settles.
 *
 * @param onStarted - Called once the listener is up and the URL handed out.
 */
export async function runLogin(
  settings: LoginSettings,
  login: Login,
  options: HandOutOptions,
  onStarted: () => void,
): Promise<UserToken> {
  const { signal } = options;
  const onAbort = (): void => {
    login.fail(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  let timer: NodeJS.Timeout | undefined;
  let listener: LoopbackListener | undefined;
  try {
    if (login.phase === 'waiting') {
      listener = await LoopbackListener.start({
        ...bindAddresses(settings.host),
        port: settings.port,
        path: settings.redirectPath,
        onRedirect: (target, response) => {
          onRedirect(settings, login, target, response);
        },
      });
      settings.log(
        `listening on ${bindAddresses(settings.host).hosts.join(' and ')} port ${String(settings.port)} ` +
          `for the redirect to ${settings.url}`,
      );
    }
    if (settings.timeoutMs > 0) {
      timer = setTimeout(() => {
        // A redirect_mismatch that arrived meanwhile is the likely reason, and more useful than "timed out".
        const mismatch = login.unverifiedMismatch;
        login.fail(
          mismatch === undefined
            ? new AuthorizationTimeoutError({
                timeoutMs: settings.timeoutMs,
                redirectUri: settings.url,
                boundTo: bindAddresses(settings.host).hosts,
              })
            : new RedirectMismatchError({ redirectUri: settings.url, description: mismatch.description }),
        );
      }, settings.timeoutMs);
    }
    if (login.phase === 'waiting') {
      await handOut(settings, login.authUrl, options);
      onStarted();
    }
    const token = await login.result;
    settings.log(`login done (${describeScopes(token.scopes)})`);
    return token;
  } catch (error) {
    login.fail(error);
    settings.log(`login ended: ${errorName(error)}`);
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    login.ended.abort();
    await listener?.close();
  }
}

/**
 * The addresses the listener binds. `localhost` means both loopbacks, as the default does: a
 * browser may resolve it either way, and a loopback left free could be taken by another local
 * process, which would then receive the redirect (code and state) without a word. `::1` is
 * skipped where the machine has no IPv6. Any other host is bound alone.
 */
function bindAddresses(host: string | undefined): { hosts: string[]; optionalHosts: string[] } {
  if (host === undefined || host.toLowerCase() === 'localhost') {
    return { hosts: ['127.0.0.1', '::1'], optionalHosts: ['::1'] };
  }
  return { hosts: [host], optionalHosts: [] };
}

/** Opens the browser, or hands the URL to `onAuthUrl` or stderr when no browser is opened. */
async function handOut(settings: LoginSettings, authUrl: string, options: HandOutOptions): Promise<void> {
  const outcome: BrowserOutcome | 'not-asked' =
    options.useBrowser === false ? 'not-asked' : await openBrowser(authUrl, options.browser);
  if (outcome === 'opened') {
    settings.log('opened the authorize URL in the browser');
    return;
  }
  if (options.onAuthUrl !== undefined) {
    settings.log(`handed the authorize URL to onAuthUrl (browser: ${outcome})`);
    await options.onAuthUrl(authUrl);
    return;
  }
  settings.log(`printed the authorize URL to stderr (browser: ${outcome})`);
  const why = {
    'not-asked': '',
    'no-display': 'No browser can be shown here (no display found). ',
    failed: 'The browser could not be opened. ',
  }[outcome];
  const minutes = Math.max(1, Math.round(settings.timeoutMs / 60_000));
  const wait = settings.timeoutMs === 0 ? '' : ` (for up to ${String(minutes)} min)`;
  process.stderr.write(
    `${why}To log in to Twitch, open this URL in a browser:\n\n  ${authUrl}\n\n` +
      `Waiting for the redirect to ${settings.url}${wait}.\n`,
  );
}

/** Handles a GET of the redirect path. */
function onRedirect(settings: LoginSettings, login: Login, target: URL, response: ServerResponse): void {
  if (login.phase !== 'waiting') {
    sendPage(response, 200, noticePage('Login finished', 'This login already finished. You can close this tab.'));
    return;
  }
  const reading = readCallback(target.searchParams, login.state);
  // The kind only: the code and the state are secrets.
  settings.log(`redirect received: ${reading.kind}`);
  switch (reading.kind) {
    case 'foreign':
      sendPage(
        response,
        400,
        noticePage(
          'Not the login in progress',
          'This link does not belong to the login this app is waiting for (its state does not match). ' +
            'If you started the login, use the newest login link.',
        ),
      );
      return;
    case 'incomplete':
      sendPage(
        response,
        400,
        noticePage('Incomplete redirect', 'Twitch redirected here without a code. Start the login again from the app.'),
      );
      return;
    case 'unverified-mismatch': {
      // Not trusted to end the login (a forged one would kill a real login): shown, remembered, and
      // reported if the login times out.
      login.unverifiedMismatch = { description: reading.description };
      const error = new RedirectMismatchError({ redirectUri: settings.url, description: reading.description });
      sendFailure(settings, response, 'redirect_mismatch', error, 400);
      return;
    }
    case 'error': {
      const error = authorizationError(settings, reading.error, reading.description);
      sendFailure(settings, response, reading.error, error);
      login.fail(error);
      return;
    }
    case 'code':
      login.phase = 'exchanging';
      void exchange(settings, login, reading.code, response);
  }
}

async function exchange(settings: LoginSettings, login: Login, code: string, response: ServerResponse): Promise<void> {
  settings.log('exchanging the code for a token');
  try {
    const token = await exchangeCode(settings.appId, settings.appSecret, code, settings.url, {
      ...settings.http,
      signal: login.ended.signal,
    });
    // The code is spent: the token is the caller's whatever happens to the page.
    login.succeed(token);
    sendPage(response, 200, safePage(settings.successPage, successPage, { scopes: token.scopes }));
  } catch (error) {
    login.fail(error);
    sendFailure(settings, response, 'exchange_failed', error);
  }
}

function sendFailure(
  settings: LoginSettings,
  response: ServerResponse,
  code: string,
  error: unknown,
  status = 200,
): void {
  // Messages of this library's errors hold no secret; anything else is not shown.
  const message = error instanceof TwitchAPIError ? error.message : 'The login was interrupted before it finished.';
  sendPage(
    response,
    status,
    safePage(settings.failurePage, failurePage, { error: escapeHtml(code), message: escapeHtml(message) }),
  );
}

/** A custom page that throws must not crash the listener or lose the login: the built-in page is used instead. */
function safePage<Info>(custom: CustomPage<Info> | undefined, builtIn: (info: Info) => string, info: Info): string {
  try {
    return renderPage(custom, builtIn, info);
  } catch (error) {
    process.emitWarning(
      `A custom login page threw; the built-in page was shown: ${String(error)}`,
      'UserAuthenticatorWarning',
    );
    return builtIn(info);
  }
}

function authorizationError(
  settings: LoginSettings,
  error: string,
  description: string | undefined,
): AuthorizationError {
  if (error === 'access_denied') return new AuthorizationDeniedError({ description });
  if (error === 'redirect_mismatch') return new RedirectMismatchError({ redirectUri: settings.url, description });
  return new AuthorizationError({ error, description });
}
