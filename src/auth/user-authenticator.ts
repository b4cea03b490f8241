import { AuthenticationInProgressError } from '../errors/authentication-in-progress-error.js';
import { AuthorizationCancelledError } from '../errors/authorization-cancelled-error.js';
import { StateMismatchError } from '../errors/state-mismatch-error.js';
import { exchangeCode } from '../helpers/exchange-code.js';
import { requireText } from '../helpers/require-text.js';
import { refusalDetails, refusedRequest } from '../helpers/token-endpoint.js';
import { callTwitch } from '../http/client.js';
import { httpOptionsOf, TWITCH_AUTH_BASE_URL, type ClientHttpOptions } from '../http/options.js';
import { describeScopes, logThrough, type Logger } from '../log/logger.js';
import { normalizeBaseUrl } from '../http/settings.js';
import type { ScopeLike } from '../scopes.js';
import type { UserToken } from '../tokens/user-token.js';
import { checkDuration } from '../options/duration.js';
import { buildAuthorizeUrl } from './authorize-url.js';
import { checkClientDurations } from './client-durations.js';
import { createLogin, type Login } from './login.js';
import type { LoginSettings } from './login-flow.js';
import type { CustomPage, FailurePageInfo, SuccessPageInfo } from './pages.js';
import { spentStates } from './spent-states.js';
import { createState } from './state.js';
import { MIN_STATE_SECRET_BYTES, StateSigner } from './state-signer.js';
import { loadWire } from '../wire/load-wire.js';

/** The app's credentials from https://dev.twitch.tv/console/apps. */
export interface AppCredentials {
  /** The app's client id. */
  readonly appId: string;
  /** The client secret. The authorization code flow needs one; public clients use `DeviceCodeFlow`. */
  readonly appSecret?: string | undefined;
}

/** Options of {@link UserAuthenticator}; every one has a default. */
export interface UserAuthenticatorOptions extends ClientHttpOptions {
  /** Make Twitch ask the user to authorize again even if they did before. Default: `false`. */
  readonly forceVerify?: boolean;
  /**
   * The redirect URI, registered for the app in the Twitch console character for character; it is
   * sent as given, no slash added or removed. It may have a query of its own, but not the
   * parameters Twitch adds (`code`, `scope`, `state`, `error`, `error_description`): such a URL
   * could never complete a login and is refused. Default: `http://localhost:17563`.
   */
  readonly url?: string;
  /**
   * The address the listener binds. Default: loopback only, answering on both 127.0.0.1 and ::1
   * (browsers resolve `localhost` either way) and on no other interface; `'localhost'` means the
   * same.
   *
   * Any other value is bound alone. A single-family loopback (`'127.0.0.1'` or `'::1'`) leaves the
   * other family's loopback free on the port: a browser that resolves `localhost` to it gets no
   * answer, and another local process could listen there and receive the code and state. Prefer
   * the default or `'localhost'`. `'0.0.0.0'` answers
   * on every interface, so anyone on the network can reach the listener while a login runs: use it
   * only inside a container whose port is published to the host's loopback.
   */
  readonly host?: string;
  /** The port the listener binds. Default: the `url`'s port (17563), or 80/443 if it has none. */
  readonly port?: number;
  /**
   * How long a login may take, in milliseconds, up to 2147483647 (about 24.8 days, the longest
   * timer Node can hold); `0` waits forever. Default: `300_000` (5 minutes).
   */
  readonly timeoutMs?: number;
  /** HTML (or a function returning HTML) replacing the built-in success page. */
  readonly successPage?: CustomPage<SuccessPageInfo>;
  /** HTML (or a function returning HTML) replacing the built-in failure page. */
  readonly failurePage?: CustomPage<FailurePageInfo>;
  /**
   * Server mode: the secret that signs the states {@link UserAuthenticator.returnAuthUrl} issues,
   * at least 32 bytes (e.g. `openssl rand -base64 32`). Give every replica of a web app the same
   * one, so that a login started on one replica completes on any other. Keep it out of your code
   * and logs, like the app secret. Default: a random secret made once per process, so states
   * are good only in the process that issued them.
   */
  readonly stateSecret?: string | Uint8Array;
  /**
   * Told each step of a login (listener up, URL handed out, redirect received, code exchanged),
   * never a secret; see {@link Logger}. Python: the `logger` attribute. Default: none (silent).
   */
  readonly logger?: Logger;
}

/** Options of {@link UserAuthenticator.authenticate}. */
export interface AuthenticateOptions {
  /**
   * Server mode: a code obtained elsewhere (your own web server received Twitch's redirect). It is
   * exchanged at once; no listener, no browser.
   */
  readonly userToken?: string;
  /**
   * Server mode: the `state` that came with `userToken`. When given, it must be one that
   * {@link UserAuthenticator.returnAuthUrl} issued for this app (on any replica sharing the
   * `stateSecret`), at most 15 minutes ago, and that this process has not accepted before; else a
   * {@link StateMismatchError}, before any exchange. Without it, checking the state is up to you.
   *
   * This proves the login started at your app, not that it started in this visitor's browser:
   * bind the state to the browser too (a cookie set with the URL, compared at the callback; see
   * the README), so that nobody can make a visitor finish a login they started themselves.
   */
  readonly state?: string;
  /** Open a browser at the authorize URL. Default: `true`. */
  readonly useBrowser?: boolean;
  /** The browser to open, e.g. `'firefox'` (an app name for the `open` package). Default: the system's. */
  readonly browser?: string;
  /**
   * Receives the authorize URL whenever no browser is opened (`useBrowser: false`, no display,
   * or the browser failed), e.g. to send it to the user. Default: print it to stderr.
   */
  readonly onAuthUrl?: (url: string) => void | Promise<void>;
  /** Cancels the login: the listener closes and `authenticate()` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * The original's non-blocking mode: `authenticate()` resolves once the listener is up and the URL
 * handed out; the result arrives later through `callback` or `onError`.
 */
export interface CallbackModeOptions {
  /** Called with the tokens when the login succeeds; the `UserToken` comes third. */
  readonly callback: (accessToken: string, refreshToken: string, token: UserToken) => void;
  /** Called when the login fails after `authenticate()` resolved. Required: a failure must not vanish. */
  readonly onError: (error: unknown) => void;
}

const DEFAULT_URL = 'http://localhost:17563';
/** The query parameters Twitch adds to the redirect URI, which it therefore must not carry itself. */
const RESERVED_REDIRECT_PARAMETERS = ['code', 'scope', 'state', 'error', 'error_description'] as const;
const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * Gets a user token with the authorization code flow: opens the browser at Twitch's authorize URL,
 * receives the redirect on a one-shot loopback listener, and exchanges the code.
 *
 * Python: `twitchAPI.oauth.UserAuthenticator`.
 *
 * @example
 * ```ts
 * const auth = new UserAuthenticator({ appId, appSecret }, [AuthScope.CHAT_READ, AuthScope.CHAT_EDIT]);
 * const [accessToken, refreshToken] = await auth.authenticate();
 * ```
 */
export class UserAuthenticator {
  /** The scopes asked for. */
  readonly scopes: readonly ScopeLike[];
  /** Whether Twitch asks the user again even if they authorized the app before. */
  readonly forceVerify: boolean;
  /** The redirect URI, exactly as sent to Twitch. */
  readonly url: string;
  /** The `host` option as given; `undefined` (and `'localhost'`) mean loopback only (127.0.0.1 and ::1). */
  readonly host: string | undefined;
  /** The port the listener binds. */
  readonly port: number;
  /** The `logger` option: told each step of a login, never a secret. */
  readonly logger: Logger | undefined;

  /** What a login needs; see login-flow.ts. */
  readonly #settings: LoginSettings;
  readonly #authBaseUrl: string;
  /** Server mode: signs and checks the states of returnAuthUrl(); none is stored. */
  readonly #signer: StateSigner;
  #lastIssuedState: string | undefined;
  #login: Login | undefined;

  /**
   * @param app - The app's client id and secret.
   * @param scopes - The scopes to ask for: {@link AuthScope} values or plain strings.
   * @param options - See {@link UserAuthenticatorOptions}; every option has a default.
   * @throws TypeError for a missing secret, an unusable `url` or `port`, a `stateSecret` shorter
   * than 32 bytes, or a duration option (`timeoutMs`, `requestTimeoutMs`, `retry` delays) outside
   * 0 to 2147483647 ms.
   */
  constructor(app: AppCredentials, scopes: readonly ScopeLike[] = [], options: UserAuthenticatorOptions = {}) {
    const appId = requireText(app.appId, 'appId');
    if (app.appSecret === undefined || app.appSecret === '') {
      throw new TypeError(
        'UserAuthenticator needs the app secret: the authorization code flow is for confidential clients. ' +
          'A Public client (no secret) must log in with DeviceCodeFlow.',
      );
    }
    const given: unknown = scopes;
    if (!Array.isArray(given) || !given.every((scope) => typeof scope === 'string' && scope !== '')) {
      throw new TypeError('scopes must be an array of scope strings, e.g. [AuthScope.CHAT_READ].');
    }
    this.scopes = Object.freeze([...scopes]);
    this.forceVerify = options.forceVerify ?? false;
    this.url = options.url ?? DEFAULT_URL;
    const redirect = parseRedirectUri(this.url);
    this.host = options.host;
    this.port = checkedPort(options.port ?? defaultPort(redirect));
    const timeoutMs = checkDuration('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    checkClientDurations(options);
    this.#authBaseUrl = normalizeBaseUrl(options.authBaseUrl ?? TWITCH_AUTH_BASE_URL);
    this.#signer = new StateSigner(checkedStateSecret(options.stateSecret), appId, this.url);
    this.logger = options.logger;
    this.#settings = {
      appId,
      appSecret: requireText(app.appSecret, 'appSecret'),
      url: this.url,
      redirectPath: redirect.pathname,
      host: this.host,
      port: this.port,
      timeoutMs,
      http: { ...httpOptionsOf(options), authBaseUrl: this.#authBaseUrl },
      successPage: options.successPage,
      failurePage: options.failurePage,
      log: logThrough(options.logger),
    };
  }

  /** The `state` of the running login, else the last one {@link returnAuthUrl} issued. */
  get state(): string | undefined {
    return this.#login?.state ?? this.#lastIssuedState;
  }

  /**
   * The authorize URL to send the user to. While a login runs, its URL; otherwise (server mode) a
   * URL with a fresh `state` that `authenticate({ userToken, state })` accepts for 15 minutes.
   *
   * The state is signed (HMAC-SHA256 with `stateSecret`) and carries its expiry and a random
   * nonce, so nothing is stored until it is used: any number of visitors can start logins without
   * pushing out anyone's pending one, and any replica with the same `stateSecret` accepts it.
   */
  returnAuthUrl(): string {
    if (this.#login !== undefined) return this.#login.authUrl;
    const state = this.#signer.issue(Date.now());
    this.#lastIssuedState = state;
    return this.#authorizeUrl(state);
  }

  /**
   * Runs the login and resolves with the user token.
   *
   * Without `userToken`: starts the loopback listener, opens the browser (or hands out the URL),
   * waits for Twitch's redirect, checks its `state`, and exchanges the code. The listener is closed
   * whatever the outcome. With `userToken` (server mode): only exchanges that code.
   *
   * @throws {@link AuthorizationDeniedError} when the user clicks Cancel.
   * @throws {@link RedirectMismatchError} when `url` is not registered for the app.
   * @throws {@link AuthorizationError} for any other error Twitch reports.
   * @throws {@link StateMismatchError} in server mode, for a `state` that is not valid (before any exchange).
   * @throws {@link CodeExchangeError}, {@link UnauthorizedError} when Twitch refuses the exchange.
   * @throws {@link ListenerError} when the port is taken (at once, never a hang).
   * @throws {@link AuthorizationTimeoutError} after `timeoutMs`; {@link AuthorizationCancelledError} after `stop()`;
   * the signal's reason when aborted; {@link AuthenticationInProgressError} while another login runs.
   */
  authenticate(options?: AuthenticateOptions & { readonly callback?: undefined }): Promise<UserToken>;
  /** The original's non-blocking mode: resolves once the login started; the result goes to `callback` or `onError`. */
  authenticate(options: AuthenticateOptions & CallbackModeOptions): Promise<void>;
  authenticate(
    options: AuthenticateOptions & {
      readonly callback?: CallbackModeOptions['callback'] | undefined;
      readonly onError?: CallbackModeOptions['onError'] | undefined;
    } = {},
  ): Promise<UserToken | void> {
    const { callback, onError } = options;
    if (callback === undefined) return this.#authenticate(options, () => undefined);
    if (typeof onError !== 'function') {
      return Promise.reject(
        new TypeError('authenticate({ callback }) also needs onError: a failed login must reach your code.'),
      );
    }
    return new Promise<void>((started, failedToStart) => {
      let hasStarted = false;
      const deliver = (deliverTo: () => void): void => {
        try {
          deliverTo();
        } catch (error) {
          process.emitWarning(`A UserAuthenticator callback threw: ${String(error)}`, 'UserAuthenticatorWarning');
        }
      };
      this.#authenticate(options, () => {
        hasStarted = true;
        started();
      }).then(
        (token) => {
          deliver(() => {
            callback(token.accessToken, token.refreshToken, token);
          });
        },
        (error: unknown) => {
          if (hasStarted) {
            deliver(() => {
              onError(error);
            });
          } else {
            // Passed on as received: a signal's reason need not be an Error.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            failedToStart(error);
          }
        },
      );
    });
  }

  /**
   * Ends a running login: the listener closes and `authenticate()` rejects with
   * {@link AuthorizationCancelledError}. Does nothing when no login runs.
   */
  stop(): void {
    this.#login?.fail(new AuthorizationCancelledError());
  }

  /**
   * Gets a user access token from the twitch CLI's mock API (`twitch mock-api start`) without a
   * browser, with its `user_token` grant, as the original did.
   *
   * The mock reads the grant, client secret included, from the URL's query string. This library
   * never puts a secret in a URL for any other host, so this works only when `authBaseUrl` points
   * at this machine (e.g. `http://localhost:8080/auth`).
   *
   * @param userId - A user id from the mock's database.
   * @returns The access token (the mock issues no refresh token).
   * @throws TypeError when `authBaseUrl` is not on this machine.
   */
  async mockAuthenticate(userId: string): Promise<string> {
    const base = new URL(this.#authBaseUrl);
    if (!isLoopbackHost(base.hostname)) {
      throw new TypeError(
        `mockAuthenticate() talks only to the twitch CLI mock API on this machine, e.g. authBaseUrl: ` +
          `'http://localhost:8080/auth'; it would send the client secret in a URL, which this library refuses ` +
          `towards ${base.host}.`,
      );
    }
    const reply = await callTwitch(
      {
        method: 'POST',
        path: '/authorize',
        query: {
          client_id: this.#settings.appId,
          client_secret: this.#settings.appSecret,
          grant_type: 'user_token',
          user_id: requireText(userId, 'userId'),
          scope: this.scopes.join(' '),
        },
      },
      this.#settings.http,
    );
    if (reply.status !== 200) throw refusedRequest(await refusalDetails(reply));
    const { decodeReply, accessTokenResponseSchema } = await loadWire();
    return decodeReply(reply, accessTokenResponseSchema).access_token;
  }

  async #authenticate(options: AuthenticateOptions, onStarted: () => void): Promise<UserToken> {
    if (options.userToken !== undefined) {
      if (options.state !== undefined) this.#useIssuedState(options.state);
      this.#settings.log(`server mode: exchanging a code for a token at ${this.#authBaseUrl}/token`);
      const token = await exchangeCode(this.#settings.appId, this.#settings.appSecret, options.userToken, this.url, {
        ...this.#settings.http,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      this.#settings.log(`server mode: token received (${describeScopes(token.scopes)})`);
      onStarted();
      return token;
    }
    if (this.#login !== undefined) throw new AuthenticationInProgressError();
    options.signal?.throwIfAborted();
    const state = createState();
    const login = createLogin(state, this.#authorizeUrl(state));
    this.#login = login;
    try {
      const { runLogin } = await import('./login-flow.js');
      return await runLogin(this.#settings, login, options, onStarted);
    } finally {
      this.#login = undefined;
    }
  }

  #authorizeUrl(state: string): string {
    return buildAuthorizeUrl({
      baseUrl: this.#authBaseUrl,
      clientId: this.#settings.appId,
      redirectUri: this.url,
      scopes: this.scopes,
      forceVerify: this.forceVerify,
      state,
    });
  }

  /** Server mode: accepts a state issued for this app, unexpired, and not yet used in this process. */
  #useIssuedState(received: string): void {
    const now = Date.now();
    const reading = this.#signer.read(received, now);
    if (reading.kind !== 'valid') throw new StateMismatchError(reading.kind);
    if (!spentStates.spend(reading.nonce, reading.expiresAt, now)) throw new StateMismatchError('used');
  }
}

/** The `stateSecret` option as bytes, or a TypeError that never shows it. */
function checkedStateSecret(secret: string | Uint8Array | undefined): Buffer | undefined {
  if (secret === undefined) return undefined;
  const given: unknown = secret;
  const bytes =
    typeof given === 'string' ? Buffer.from(given) : given instanceof Uint8Array ? Buffer.from(given) : undefined;
  if (bytes === undefined || bytes.length < MIN_STATE_SECRET_BYTES) {
    throw new TypeError(
      `The stateSecret option must be a string or Uint8Array of at least ${String(MIN_STATE_SECRET_BYTES)} bytes, ` +
        'random and shared by every replica of your web app (make one with: openssl rand -base64 32).',
    );
  }
  return bytes;
}

function parseRedirectUri(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`The url option must be an absolute URL such as ${DEFAULT_URL}; got ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`The url option must use http or https; got ${JSON.stringify(parsed.protocol)}.`);
  }
  if (parsed.hash !== '') throw new TypeError('The url option must not have a #fragment: Twitch refuses one.');
  const reserved = RESERVED_REDIRECT_PARAMETERS.find((name) => parsed.searchParams.has(name));
  if (reserved !== undefined) {
    throw new TypeError(
      `The url option must not carry the query parameter "${reserved}": Twitch adds ` +
        `${RESERVED_REDIRECT_PARAMETERS.join(', ')} to the redirect URI itself, so the redirect would arrive ` +
        `with two of them and could never complete a login. Remove it from the url (and from the OAuth ` +
        `Redirect URL registered at https://dev.twitch.tv/console/apps).`,
    );
  }
  return parsed;
}

function defaultPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function checkedPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new TypeError(`The port option must be a whole number from 1 to 65535; got ${String(port)}.`);
  }
  return port;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
