import { UserAuthenticator, type AppCredentials } from '../auth/user-authenticator.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { TokenStoreError } from '../errors/token-store-error.js';
import { validateToken } from '../helpers/validate-token.js';
import { httpOptionsOf, type HttpOptions } from '../http/options.js';
import type { ScopeLike } from '../scopes.js';
import { FileTokenStore } from '../store/file-token-store.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';
import type { UserTokenData, UserTokenPair } from '../tokens/to-user-token.js';
import { UserToken } from '../tokens/user-token.js';
import { TokenManager, type TokenManagerOptions } from './token-manager.js';
import { logThrough, type Logger } from '../log/logger.js';

/** A stored expiry this close to Twitch's is right (clocks and rounding differ a little). */
const LIFETIME_TOLERANCE_MS = 60_000;

/**
 * How the storage helper gets a new token when the stored one cannot be used: a function of the
 * scopes, or an object with `authenticate()` (a `UserAuthenticator`, a `DeviceCodeFlow`).
 */
export type AuthGenerator =
  | ((scopes: readonly ScopeLike[]) => Promise<UserTokenData | UserTokenPair>)
  | {
      /** Runs a login and resolves with its token. */
      authenticate(): Promise<UserTokenData | UserTokenPair>;
    };

/** Options of {@link UserAuthenticationStorageHelper}: the manager's, plus where and how. */
export interface StorageHelperOptions extends Omit<TokenManagerOptions, 'store'> {
  /** The token file. Default: `'user_token.json'` in the working directory, as the original. */
  readonly storagePath?: string;
  /** Another store instead of a file (e.g. one shared by several processes). */
  readonly store?: TokenStore;
  /**
   * How to log in when needed. Default: a `UserAuthenticator` with `forceVerify: true` (the user
   * sees which account they authorize), as the original.
   */
  readonly authGenerator?: AuthGenerator;
  /**
   * Told about problems that were handled, e.g. a corrupt token file moved aside (a
   * {@link TokenStoreError}). Default: `process.emitWarning(error)`.
   */
  readonly onWarning?: (error: Error) => void;
  /**
   * Told each step of `bind()` (stored token found, validated, refreshed, login started) and handed
   * to the default login, never a secret; see {@link Logger}. Python: the `logger` attribute.
   * Default: none (silent).
   */
  readonly logger?: Logger;
}

/**
 * Gets a user token once and keeps it: loads the stored token, validates it, refreshes it if
 * needed, and only when that fails (or its scopes do not cover the requested ones) runs a login.
 * Then returns a started {@link TokenManager} that stores every refreshed token.
 *
 * Python: `twitchAPI.oauth.UserAuthenticationStorageHelper`.
 *
 * @example
 * ```ts
 * const helper = new UserAuthenticationStorageHelper({ appId, appSecret }, [AuthScope.CHAT_READ]);
 * const manager = await helper.bind();
 * const accessToken = await manager.getAccessToken();
 * ```
 */
export class UserAuthenticationStorageHelper {
  /** The token file, or `undefined` when a `store` was given. */
  readonly storagePath: string | undefined;
  /** The `logger` option: told each step of `bind()`, never a secret. */
  readonly logger: Logger | undefined;
  readonly #log: (message: string) => void;
  readonly #app: AppCredentials;
  readonly #scopes: readonly ScopeLike[];
  readonly #options: StorageHelperOptions;
  readonly #store: TokenStore;
  readonly #http: HttpOptions;

  constructor(app: AppCredentials, scopes: readonly ScopeLike[], options: StorageHelperOptions = {}) {
    this.#app = app;
    this.#scopes = [...scopes];
    this.#options = options;
    this.storagePath = options.store === undefined ? (options.storagePath ?? 'user_token.json') : undefined;
    this.#store = options.store ?? new FileTokenStore(this.storagePath ?? 'user_token.json');
    this.#http = httpOptionsOf(options);
    this.logger = options.logger;
    this.#log = logThrough(options.logger);
  }

  /**
   * Returns a started {@link TokenManager} with a usable token: the stored one (validated, refreshed
   * if needed) or a new login's. A network failure or outage while checking the stored token
   * rejects instead of starting a login: a blip is not a revoked token.
   *
   * Every write goes through the token protocol: an expired stored token is refreshed by the
   * manager under the store's lock (never spent twice by helpers or processes sharing the store),
   * a validated one is rewritten one generation up only if nobody moved on meanwhile, and a new
   * login's token is written above whatever the store holds.
   */
  async bind(): Promise<TokenManager> {
    const key = this.#options.key ?? 'default';
    const { onInvalid } = this.#options;
    let binding = true;
    const manager = new TokenManager(this.#app, undefined, {
      ...this.#options,
      store: this.#store,
      key,
      // A login lost while binding is this helper's to handle (by logging in), not the caller's.
      onInvalid: (error) => {
        if (!binding) onInvalid?.(error);
      },
    });
    try {
      const stored = await this.#load(key);
      this.#log(
        stored === undefined
          ? `no stored token under "${key}"`
          : `stored token under "${key}" (generation ${String(stored.generation)}); validating it`,
      );
      const revived = stored !== undefined && (await this.#revive(manager, key, stored));
      if (stored !== undefined) this.#log(revived ? 'the stored token is usable' : 'the stored token cannot be used');
      // setToken() rejects when the store cannot take the token: that fails bind(), not a later call.
      if (!revived) {
        this.#log('logging in');
        await manager.setToken(await this.#login());
        this.#log(`new token stored under "${key}"`);
      }
    } finally {
      binding = false;
    }
    // The token was just checked with Twitch (validated, refreshed, or issued): that was the start-up validation.
    return manager.start({ validatedAt: this.#now() });
  }

  async #load(key: string): Promise<TokenRecord | undefined> {
    try {
      return await this.#store.read(key);
    } catch (error) {
      // Only a corrupt file is moved aside; a file the process cannot read (permissions) may be fine.
      if (
        !(error instanceof TokenStoreError) ||
        error.reason !== 'corrupt' ||
        !(this.#store instanceof FileTokenStore)
      ) {
        throw error;
      }
      const aside = await this.#store.moveAside();
      this.#warn(
        new TokenStoreError(
          { path: error.path, reason: 'corrupt', cause: error },
          `${error.message} It was moved to ${String(aside)}; logging in again.`,
        ),
      );
      return undefined;
    }
  }

  /** Makes the stored token current; `false` when only a new login can help. */
  async #revive(manager: TokenManager, key: string, stored: TokenRecord): Promise<boolean> {
    const info = await validateToken(stored.token.accessToken, this.#http);
    if (!info.valid) {
      this.#log('the stored access token is no longer valid; refreshing it');
      try {
        return this.#covers(await manager.refresh(stored.token.accessToken));
      } catch (error) {
        if (error instanceof ReauthenticationRequiredError) return false;
        throw error;
      }
    }
    if (info.clientId !== this.#app.appId) return false;
    const now = this.#now();
    const sameScopes =
      info.scopes.length === stored.token.scopes.length &&
      info.scopes.every((scope) => stored.token.scopes.includes(scope));
    if (sameScopes && Math.abs(stored.token.expiresAt - (now + info.expiresIn * 1000)) <= LIFETIME_TOLERANCE_MS) {
      return this.#covers(stored.token); // the store is right: nothing to write
    }
    // Twitch's answer is the truth about lifetime and scopes (a Python-era file knows neither).
    const token = new UserToken({
      ...stored.token.toJSON(),
      expiresIn: info.expiresIn,
      scopes: info.scopes,
      obtainedAt: now,
    });
    if (!this.#covers(token)) return false;
    // Refused only if another process moved on meanwhile: the manager then adopts its newer token.
    await this.#store.writeIfNewer(key, { token, generation: stored.generation + 1 });
    return true;
  }

  #covers(token: UserToken): boolean {
    return this.#scopes.every((scope) => token.scopes.includes(scope));
  }

  /** A new login's token, in any shape the manager's `setToken()` takes (it checks it before storing). */
  async #login(): Promise<UserTokenData | UserTokenPair> {
    const generator = this.#options.authGenerator;
    if (generator === undefined) {
      const { authBaseUrl, dispatcher, fetch, retry, requestTimeoutMs } = this.#options;
      // Picked one by one: the helpers' per-call `timeoutMs` is not the login's `timeoutMs`.
      const login = new UserAuthenticator(this.#app, this.#scopes, {
        forceVerify: true,
        ...(authBaseUrl === undefined ? {} : { authBaseUrl }),
        ...(dispatcher === undefined ? {} : { dispatcher }),
        ...(fetch === undefined ? {} : { fetch }),
        ...(retry === undefined ? {} : { retry }),
        ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
        ...(this.logger === undefined ? {} : { logger: this.logger }),
      });
      return login.authenticate();
    }
    return typeof generator === 'function' ? generator(this.#scopes) : generator.authenticate();
  }

  #now(): number {
    return this.#options.clock?.now() ?? Date.now();
  }

  #warn(error: Error): void {
    if (this.#options.onWarning !== undefined) this.#options.onWarning(error);
    else process.emitWarning(error);
  }
}
