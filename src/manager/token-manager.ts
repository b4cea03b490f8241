import type { AppCredentials } from '../auth/user-authenticator.js';
import { InvalidRefreshTokenError } from '../errors/invalid-refresh-token-error.js';
import { TwitchRateLimitError } from '../errors/twitch-rate-limit-error.js';
import { MissingScopeError } from '../errors/missing-scope-error.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { UnauthorizedError } from '../errors/unauthorized-error.js';
import { refreshAccessToken } from '../helpers/refresh-access-token.js';
import { requireText } from '../helpers/require-text.js';
import { validateToken, type TokenValidation } from '../helpers/validate-token.js';
import { backoffDelayMs } from '../http/backoff.js';
import { httpOptionsOf, type ClientHttpOptions, type HttpOptions } from '../http/options.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenStore } from '../store/token-store.js';
import { UserToken } from '../tokens/user-token.js';
import { systemClock, type Clock } from './clock.js';

/** Options of {@link TokenManager}; every one has a default. */
export interface TokenManagerOptions extends ClientHttpOptions {
  /** Where the token lives; every refreshed token is stored before it is handed out. Default: a {@link MemoryTokenStore}. */
  readonly store?: TokenStore;
  /** Which token of the store, e.g. one per Twitch account. Default: `'default'`. */
  readonly key?: string;
  /** Refresh this long before the access token expires. Default: `300_000` (5 minutes). */
  readonly refreshMarginMs?: number;
  /** Validate this often, as Twitch requires of every app (hourly). Default: `3_600_000`. */
  readonly validateIntervalMs?: number;
  /** Called with every new token once it is stored. */
  readonly onRefresh?: (token: UserToken) => void;
  /**
   * Called when a refresh, a validation or a write to the store failed in a way that may pass
   * (network, outage, rate limit, a store that is down). The manager keeps the still-valid token
   * in use and tries again with backoff.
   */
  readonly onRefreshFailure?: (error: unknown) => void;
  /**
   * Called once when the token cannot be kept alive (refresh token refused, app credentials
   * refused, token of another app): a {@link ReauthenticationRequiredError}. Timers stop, and
   * `getAccessToken()` rejects with the same error until `setToken()`.
   */
  readonly onInvalid?: (error: ReauthenticationRequiredError) => void;
  /** Called when validation finds the token lacks scopes it had. The token stays in use. */
  readonly onMissingScopes?: (error: MissingScopeError) => void;
  /** Called after each successful validation. */
  readonly onValidate?: (info: TokenValidation & { readonly valid: true }) => void;
  /** The time source and timer. Default: the system clock (timers unref'd). */
  readonly clock?: Clock;
}

/** Options of {@link TokenManager.start}. */
export interface StartOptions {
  /**
   * When the token was last validated, in epoch ms on the manager's clock (e.g. just now, by the
   * storage helper). The first validation then comes `validateIntervalMs` after it. Default: validate now.
   */
  readonly validatedAt?: number;
}

/** The scheduler wakes at least this often, so a machine waking from sleep refreshes within a minute. */
const MAX_TIMER_MS = 60_000;
/** No two scheduled runs closer than this: no tight loop, whatever the token says. */
const MIN_TIMER_MS = 1000;
/** Backoff after failures that may pass: 5 s, doubling, capped at 5 minutes, with jitter. */
const FAILURE_BASE_DELAY_MS = 5000;
const FAILURE_MAX_DELAY_MS = 300_000;

/**
 * Keeps one user token usable: refreshes it before it expires, validates it hourly as Twitch
 * requires, and never spends a refresh token twice.
 *
 * - `getAccessToken()` returns the cached token at once when it is fresh (no I/O), and refreshes
 *   first when it is (nearly) expired.
 * - Any number of concurrent `getAccessToken()` and `refresh()` calls cause ONE refresh.
 * - Every refreshed token is stored before it is handed out. If the store fails after Twitch
 *   already rotated the token, the new token is kept in memory (a public client's old refresh
 *   token is spent), used, and stored as soon as the store works again.
 * - A failure that may pass keeps the still-valid token in use and retries with backoff; a
 *   permanent one stops everything with one {@link ReauthenticationRequiredError}.
 *
 * @example
 * ```ts
 * const manager = new TokenManager({ appId, appSecret }, token, { store: new FileTokenStore('tokens.json') }).start();
 * const accessToken = await manager.getAccessToken();   // before every Helix call
 * await manager.refresh(accessToken);                     // after Helix refused that token (401)
 * ```
 */
export class TokenManager {
  readonly #appId: string;
  readonly #appSecret: string | undefined;
  readonly #store: TokenStore;
  readonly #key: string;
  readonly #marginMs: number;
  readonly #validateIntervalMs: number;
  readonly #clock: Clock;
  readonly #http: HttpOptions;
  readonly #options: TokenManagerOptions;

  #token: UserToken | undefined;
  /** A token in use that the store does not hold yet: the constructor's, or one whose write failed. */
  #unsaved: UserToken | undefined;
  /** Whether `onRefresh` is still owed for `#unsaved` (a refresh whose write failed). */
  #unsavedIsRefresh = false;
  #saveFailures = 0;
  #saveRetryAt = 0;
  /** Bumped by setToken(), so a refresh started before it does not replace the new token. */
  #generation = 0;
  #failure: ReauthenticationRequiredError | undefined;
  #refreshing: Promise<UserToken> | undefined;
  #validating: Promise<TokenValidation> | undefined;
  /** Between start() and stop(); the timers also need no permanent failure. */
  #started = false;
  #ticking = false;
  #cancelTimer: (() => void) | undefined;
  /** Scheduled work in progress, for settled() and stop(). */
  #work: Promise<void> = Promise.resolve();
  #nextValidationAt = 0;
  /** Refresh failures in a row that may pass; drives the refresh backoff. */
  #failures = 0;
  /** While set, no refresh is tried before this time (backoff after a failure that may pass). */
  #retryAt: number | undefined;
  #lastFailure: unknown;
  /** Validation failures in a row that may pass; drives the validation backoff. */
  #validationFailures = 0;

  /**
   * @param app - The app's client id, and its secret (leave it out for a public client).
   * @param token - The current token, e.g. from `authenticate()`; it is written to the store on the
   * first tick or {@link flush}. Leave it out to use the token already in the store.
   * @param options - See {@link TokenManagerOptions}.
   */
  constructor(app: AppCredentials, token?: UserToken, options: TokenManagerOptions = {}) {
    this.#appId = requireText(app.appId, 'appId');
    this.#appSecret = app.appSecret === undefined ? undefined : requireText(app.appSecret, 'appSecret');
    this.#store = options.store ?? new MemoryTokenStore();
    this.#key = options.key ?? 'default';
    this.#marginMs = checkedDuration('refreshMarginMs', options.refreshMarginMs ?? 300_000);
    this.#validateIntervalMs = checkedDuration('validateIntervalMs', options.validateIntervalMs ?? 3_600_000);
    if (this.#validateIntervalMs === 0) throw new TypeError('The validateIntervalMs option must be above 0.');
    if (token !== undefined && !(token instanceof UserToken)) {
      throw new TypeError('token must be a UserToken; revive stored fields with UserToken.fromJSON(fields).');
    }
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
    this.#http = httpOptionsOf(options);
    this.#token = token;
    this.#unsaved = token;
  }

  /** The token in use, as last loaded or refreshed; `undefined` before the first load from the store. */
  get token(): UserToken | undefined {
    return this.#token;
  }

  /** Whether the timers run: between `start()` and `stop()`, while no permanent failure stopped them. */
  get running(): boolean {
    return this.#started && this.#failure === undefined;
  }

  /**
   * An access token that works now: the cached one when it is fresh (no I/O), else a refreshed one.
   *
   * @throws {@link ReauthenticationRequiredError} once the login cannot be kept alive.
   * @throws the refresh's error when the token has expired and the refresh failed.
   */
  getAccessToken(): Promise<string> {
    const token = this.#token;
    if (token !== undefined && this.#failure === undefined && !this.#dueForRefresh(token)) {
      return Promise.resolve(token.accessToken);
    }
    return this.getToken().then((fresh) => fresh.accessToken);
  }

  /** Like {@link getAccessToken}, with the whole token (refresh token, scopes, expiry). */
  async getToken(): Promise<UserToken> {
    const token = await this.#current();
    if (!this.#dueForRefresh(token)) return token;
    const now = this.#clock.now();
    if (this.#retryAt !== undefined && now < this.#retryAt) {
      // Backing off after a failure that may pass: callers must not hammer Twitch during an outage.
      if (!token.isExpired(0, now)) return token;
      throw this.#lastFailure;
    }
    try {
      return await this.#refreshOnce(token.accessToken);
    } catch (error) {
      // A refresh that may pass does not make a still-valid token unusable.
      if (this.#failure === undefined && !token.isExpired(0, this.#clock.now())) return token;
      throw error;
    }
  }

  /**
   * Refreshes now, e.g. after Helix answered 401. Joins a refresh in progress; if another process
   * sharing the store already replaced the token, uses its token instead of refreshing again.
   *
   * @param rejectedAccessToken - The access token Helix refused. When given and the manager has
   * moved on to a newer token since, that token is returned without another refresh: many calls
   * failing with the same old token cause one refresh.
   */
  async refresh(rejectedAccessToken?: string): Promise<UserToken> {
    const token = await this.#current();
    if (rejectedAccessToken !== undefined && rejectedAccessToken !== token.accessToken) return token;
    return this.#refreshOnce(token.accessToken);
  }

  /** Validates the token now (as the timers do hourly); a 401 triggers a refresh. Joins one in progress. */
  validate(): Promise<TokenValidation> {
    this.#validating ??= this.#validateNow().finally(() => {
      this.#validating = undefined;
    });
    return this.#validating;
  }

  /**
   * Writes the token the store does not hold yet (the one given to the constructor, or one whose
   * write failed) now. Resolves at once when there is none.
   *
   * @throws the store's error, e.g. a {@link TokenStoreError}; the token stays in use meanwhile.
   */
  async flush(): Promise<void> {
    const unsaved = this.#unsaved;
    if (unsaved === undefined) return;
    await this.#store.set(this.#key, unsaved);
    if (this.#unsaved !== unsaved) return;
    this.#unsaved = undefined;
    this.#saveFailures = 0;
    if (this.#unsavedIsRefresh) {
      this.#unsavedIsRefresh = false;
      this.#notify(this.#options.onRefresh, unsaved);
    }
  }

  /**
   * Replaces the token, e.g. after the user logged in again: clears a permanent failure, stores
   * it, and (after `start()`) re-arms the timers, with a validation right away.
   *
   * @throws the store's error; the new token is used all the same, and stored later.
   */
  async setToken(token: UserToken): Promise<void> {
    this.#generation += 1;
    this.#token = token;
    this.#unsaved = token;
    this.#unsavedIsRefresh = false;
    this.#failure = undefined;
    this.#failures = 0;
    this.#retryAt = undefined;
    this.#nextValidationAt = this.#clock.now();
    if (this.#started) this.#schedule(0);
    await this.flush();
  }

  /**
   * Starts the timers: validation now (or `validateIntervalMs` after `validatedAt`) and then
   * every `validateIntervalMs`, refresh before expiry. The first run happens at once, so
   * `settled()` right after covers it. The timers never keep the process alive. Returns the manager.
   */
  start(options: StartOptions = {}): this {
    if (this.#started) return this;
    if (this.#failure !== undefined) throw this.#failure;
    this.#started = true;
    this.#nextValidationAt =
      options.validatedAt === undefined ? this.#clock.now() : options.validatedAt + this.#validateIntervalMs;
    this.#work = this.#tick();
    return this;
  }

  /** Stops the timers; resolves once a refresh or validation in progress has finished. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await this.settled();
  }

  /** Resolves when no refresh, validation or scheduled run is in progress. */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [this.#work, this.#refreshing, this.#validating];
      await Promise.all(pending.map((work) => work?.catch(() => undefined) ?? Promise.resolve()));
      if (pending[0] === this.#work && pending[1] === this.#refreshing && pending[2] === this.#validating) return;
    }
  }

  async #current(): Promise<UserToken> {
    if (this.#failure !== undefined) throw this.#failure;
    this.#token ??= await this.#store.get(this.#key);
    if (this.#token === undefined) {
      const error = new ReauthenticationRequiredError(`the store holds no token under the key "${this.#key}".`);
      this.#fail(error);
      throw error;
    }
    return this.#token;
  }

  /** When to refresh: `refreshMarginMs` before expiry, or at half-life for tokens shorter than twice the margin. */
  #refreshAt(token: UserToken): number {
    return token.expiresAt - Math.min(this.#marginMs, (token.expiresIn * 1000) / 2);
  }

  #dueForRefresh(token: UserToken): boolean {
    return this.#clock.now() >= this.#refreshAt(token);
  }

  /** Single-flight: one refresh at a time, joined by every caller. */
  #refreshOnce(staleAccessToken: string): Promise<UserToken> {
    this.#refreshing ??= this.#refreshInStore(staleAccessToken).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshInStore(staleAccessToken: string): Promise<UserToken> {
    const generation = this.#generation;
    let rotated: UserToken | undefined;
    try {
      const token = await this.#store.update(this.#key, async (stored) => {
        // A token the store does not hold yet is newer than the store's.
        const current = this.#unsaved ?? stored ?? this.#token;
        if (current === undefined) {
          throw new ReauthenticationRequiredError(`the store holds no token under "${this.#key}".`);
        }
        // Another process, or an earlier refresh, already replaced the stale token: use that one.
        if (current.accessToken !== staleAccessToken && !this.#dueForRefresh(current)) return current;
        // The lifetime counts on this manager's clock (which a test may drive), from the request.
        const requestedAt = this.#clock.now();
        const fresh = await refreshAccessToken(current.refreshToken, this.#appId, this.#appSecret, this.#http);
        rotated = new UserToken({ ...fresh.toJSON(), obtainedAt: requestedAt });
        return rotated;
      });
      if (generation !== this.#generation) return this.#token ?? token; // setToken() came first
      const isNew = token.accessToken !== this.#token?.accessToken;
      this.#token = token;
      this.#unsaved = undefined;
      this.#failures = 0;
      this.#retryAt = undefined;
      if (isNew) this.#notify(this.#options.onRefresh, token);
      return token;
    } catch (error) {
      if (rotated !== undefined && generation === this.#generation) {
        // Twitch answered: only storing failed. The old refresh token may be spent, so the new
        // token must not be lost: keep using it and store it as soon as the store works.
        this.#token = rotated;
        this.#unsaved = rotated;
        this.#unsavedIsRefresh = true;
        this.#failures = 0;
        this.#retryAt = undefined;
        this.#saveFailed(error);
        return rotated;
      }
      this.#onFailure(error);
      throw this.#failure ?? error;
    } finally {
      this.#schedule();
    }
  }

  async #validateNow(): Promise<TokenValidation> {
    const token = await this.#current();
    let info: TokenValidation;
    try {
      info = await validateToken(token.accessToken, this.#http);
    } catch (error) {
      this.#validationFailures += 1;
      this.#nextValidationAt = this.#clock.now() + this.#waitAfter(this.#validationFailures, error);
      this.#notify(this.#options.onRefreshFailure, error);
      throw error;
    }
    this.#validationFailures = 0;
    this.#nextValidationAt = this.#clock.now() + this.#validateIntervalMs;
    if (!info.valid) {
      await this.#refreshOnce(token.accessToken);
      return info;
    }
    if (info.clientId !== this.#appId) {
      this.#fail(
        new ReauthenticationRequiredError(
          `the token was issued to the app ${info.clientId}, not to ${this.#appId}, so this app cannot refresh it.`,
        ),
      );
      return info;
    }
    const missing = token.scopes.filter((scope) => !info.scopes.includes(scope));
    if (missing.length > 0) this.#notify(this.#options.onMissingScopes, new MissingScopeError(missing));
    this.#notify(this.#options.onValidate, info);
    return info;
  }

  #onFailure(error: unknown): void {
    if (error instanceof ReauthenticationRequiredError) {
      this.#fail(error);
    } else if (error instanceof InvalidRefreshTokenError) {
      this.#fail(
        new ReauthenticationRequiredError(
          'Twitch refused the refresh token (revoked, expired or already used).',
          error,
        ),
      );
    } else if (error instanceof UnauthorizedError) {
      this.#fail(
        new ReauthenticationRequiredError(
          "Twitch refused the app's credentials; check the client id and secret.",
          error,
        ),
      );
    } else {
      this.#failures += 1;
      this.#lastFailure = error;
      this.#retryAt = this.#clock.now() + this.#waitAfter(this.#failures, error);
      this.#notify(this.#options.onRefreshFailure, error);
    }
  }

  #saveFailed(error: unknown): void {
    this.#saveFailures += 1;
    this.#saveRetryAt = this.#clock.now() + this.#waitAfter(this.#saveFailures, error);
    this.#notify(this.#options.onRefreshFailure, error);
  }

  /**
   * The wait after the n-th failure in a row: 5 s doubling to 5 minutes, with jitter, never under
   * 1 s, and never shorter than a rate limit asked for.
   */
  #waitAfter(failures: number, error: unknown): number {
    const backoff = Math.max(MIN_TIMER_MS, backoffDelayMs(failures, FAILURE_BASE_DELAY_MS, FAILURE_MAX_DELAY_MS));
    return error instanceof TwitchRateLimitError ? Math.max(backoff, error.retryAfterMs ?? 0) : backoff;
  }

  #fail(error: ReauthenticationRequiredError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#notify(this.#options.onInvalid, error);
  }

  /** Arms the one timer for the next due work. A running tick re-arms it itself when it ends. */
  #schedule(delayMs?: number): void {
    if (this.#ticking) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (!this.running) return;
    const now = this.#clock.now();
    const token = this.#token;
    const refreshAt = this.#retryAt ?? (token === undefined ? now : this.#refreshAt(token));
    const saveAt = this.#unsaved === undefined ? Number.POSITIVE_INFINITY : this.#saveRetryAt;
    const dueAt = Math.min(refreshAt, this.#nextValidationAt, saveAt);
    const delay = delayMs ?? Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, dueAt - now));
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#work = this.#tick();
    }, delay);
  }

  /** Runs what is due. A timer that fires late (the machine slept) finds everything due at once. */
  async #tick(): Promise<void> {
    this.#cancelTimer = undefined;
    this.#ticking = true;
    try {
      if (this.#unsaved !== undefined && this.#clock.now() >= this.#saveRetryAt) {
        await this.flush().catch((error: unknown) => {
          this.#saveFailed(error);
        });
      }
      // No token yet and backing off after a failed load: the store is not read again before then.
      if (this.#token === undefined && this.#retryAt !== undefined && this.#clock.now() < this.#retryAt) return;
      let token: UserToken;
      try {
        token = await this.#current();
      } catch (error) {
        // A missing token failed the manager already; a store that cannot be read may recover:
        // nothing can be refreshed or validated until then, so everything waits for the retry.
        if (!(error instanceof ReauthenticationRequiredError)) {
          this.#onFailure(error);
          this.#nextValidationAt = Math.max(this.#nextValidationAt, this.#retryAt ?? 0);
        }
        return;
      }
      const refreshDue = this.#retryAt === undefined ? this.#dueForRefresh(token) : this.#clock.now() >= this.#retryAt;
      if (refreshDue) await this.#refreshOnce(token.accessToken);
      if (this.#clock.now() >= this.#nextValidationAt) await this.validate();
    } catch {
      // Reported where it happened: refreshes in #refreshInStore, validations in #validateNow.
    } finally {
      this.#ticking = false;
      this.#schedule();
    }
  }

  /** Calls a user callback; one that throws must not break the manager. */
  #notify<T>(callback: ((value: T) => void) | undefined, value: T): void {
    if (callback === undefined) return;
    try {
      callback(value);
    } catch (error) {
      process.emitWarning(`A TokenManager callback threw: ${String(error)}`, 'TokenManagerWarning');
    }
  }
}

function checkedDuration(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`The ${name} option must be a whole number of milliseconds ≥ 0; got ${String(value)}.`);
  }
  return value;
}
