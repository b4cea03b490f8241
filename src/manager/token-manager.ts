import type { AppCredentials } from '../auth/user-authenticator.js';
import type { MissingScopeError } from '../errors/missing-scope-error.js';
import type { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { authorizedFetch, type AuthorizedFetchInput } from '../fetch/authorized-fetch.js';
import { requireText } from '../helpers/require-text.js';
import type { TokenValidation } from '../helpers/validate-token.js';
import { httpOptionsOf, type ClientHttpOptions, type HttpOptions } from '../http/options.js';
import { Scheduler } from '../lifecycle/scheduler.js';
import { TokenLine, type LineEvents } from '../lifecycle/token-line.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenStore } from '../store/token-store.js';
import { resolveUserToken } from '../tokens/resolve-user-token.js';
import { toUserToken, type UserTokenData, type UserTokenPair } from '../tokens/to-user-token.js';
import type { UserToken } from '../tokens/user-token.js';
import { systemClock, type Clock } from './clock.js';
import { notify } from './notify.js';
import { timingOf, validateIntervalOf, type TimingOptions } from './timing-options.js';

/** Options of {@link TokenManager}; every one has a default. */
export interface TokenManagerOptions extends ClientHttpOptions, TimingOptions {
  /** Where the token lives; every refreshed token is stored before it is handed out. Default: a {@link MemoryTokenStore}. */
  readonly store?: TokenStore;
  /** Which token of the store, e.g. one per Twitch account. Default: `'default'`. */
  readonly key?: string;
  /** Called with every new token once it is stored (refreshed here, or by another process sharing the store). */
  readonly onRefresh?: (token: UserToken) => void;
  /**
   * Called when a refresh, a validation or a write to the store failed in a way that may pass
   * (network, outage, rate limit, a store that is down). The manager keeps the still-valid token
   * in use and tries again with backoff.
   */
  readonly onRefreshFailure?: (error: unknown) => void;
  /**
   * Called once when the token cannot be kept alive (refresh token refused and the store holds no
   * newer one, app credentials refused, token of another app): a {@link ReauthenticationRequiredError}.
   * Refreshes and validations stop, and `getAccessToken()` rejects with the same error until
   * `setToken()`, or until another process writes a newer token to the store (the manager re-reads
   * it every `lostRecheckMs`).
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

/** How many of a manager's scheduled runs may be in flight (a refresh and a validation at most). */
const MANAGER_CONCURRENCY = 2;

/**
 * Keeps one user token usable: refreshes it before it expires, validates it hourly as Twitch
 * requires, and never spends a refresh token twice, also across processes sharing a store.
 *
 * - `getAccessToken()` returns the cached token at once when it is fresh (no I/O), and refreshes
 *   first when it is (nearly) expired.
 * - Any number of concurrent `getAccessToken()` and `refresh()` calls cause ONE refresh; across
 *   processes, the store's lock and generations make it one refresh per token (see the README's
 *   "Generations and the refresh lock").
 * - Every refreshed token is stored before it is handed out. If the store fails after Twitch
 *   already rotated the token, the new token is kept in memory (a public client's old refresh
 *   token is spent), used, and written as soon as the store works again, never over a newer one.
 * - A failure that may pass keeps the still-valid token in use and retries with backoff; a
 *   permanent one stops refreshes with one {@link ReauthenticationRequiredError}.
 *
 * A view on the shared token lifecycle: one `TokenLine` (the per-key state machine and its
 * refresh protocol) and one scheduler timer.
 *
 * @example
 * ```ts
 * const manager = new TokenManager({ appId, appSecret }, token, { store: new FileTokenStore('tokens.json') }).start();
 * const accessToken = await manager.getAccessToken();   // before every Helix call
 * await manager.refresh(accessToken);                     // after Helix refused that token (401)
 * ```
 */
export class TokenManager {
  readonly #line: TokenLine;
  readonly #clock: Clock;
  readonly #validateIntervalMs: number;
  readonly #appId: string;
  readonly #http: HttpOptions;

  /**
   * @param app - The app's client id, and its secret (leave it out for a public client).
   * @param token - The current token, e.g. from `authenticate()`: a {@link UserToken}, its plain JSON
   * fields or twurple's `AccessToken` (see {@link toUserToken}; bad data is a `TypeError` naming the
   * field). For an `[accessToken, refreshToken]` pair, use {@link setToken}. Leave it out to use the token
   * already in the store. A token given here is used at once and written to the store by the first
   * run after `start()` or by {@link flush}, unless the store holds a token obtained as late or
   * later (a replica restarted with an old token adopts the stored one).
   * @param options - See {@link TokenManagerOptions}.
   */
  constructor(app: AppCredentials, token?: UserTokenData, options: TokenManagerOptions = {}) {
    const appId = requireText(app.appId, 'appId');
    const appSecret = app.appSecret === undefined ? undefined : requireText(app.appSecret, 'appSecret');
    const seed = token === undefined ? undefined : toUserToken(token);
    this.#clock = options.clock ?? systemClock;
    this.#validateIntervalMs = validateIntervalOf(options);
    const events: LineEvents = {
      refreshed: (_line, fresh) => {
        notify(options.onRefresh, fresh);
      },
      failed: (_line, error) => {
        notify(options.onRefreshFailure, error);
      },
      lost: (_line, error) => {
        notify(options.onInvalid, error);
      },
      missingScopes: (_line, error) => {
        notify(options.onMissingScopes, error);
      },
      validated: (_line, info) => {
        notify(options.onValidate, info);
      },
    };
    this.#line = new TokenLine(
      options.key ?? 'default',
      {
        appId,
        appSecret,
        store: options.store ?? new MemoryTokenStore(),
        http: httpOptionsOf(options),
        clock: this.#clock,
        timing: timingOf(options),
        validateIntervalMs: this.#validateIntervalMs,
        scheduler: new Scheduler(this.#clock, MANAGER_CONCURRENCY),
        events,
        spender: crypto.randomUUID(),
      },
      seed,
    );
    this.#appId = appId;
    this.#http = httpOptionsOf(options);
  }

  /** The app's client id, sent as `Client-Id` by {@link fetch}. */
  get appId(): string {
    return this.#appId;
  }

  /** The token in use, as last loaded or refreshed; `undefined` before the first load from the store. */
  get token(): UserToken | undefined {
    return this.#line.token;
  }

  /**
   * The stored generation of the token in use: it grows by one with every refresh and new login,
   * in every process sharing the store. `undefined` until the store holds the token.
   */
  get generation(): number | undefined {
    return this.#line.generation;
  }

  /** Whether the timers run: between `start()` and `stop()`, while the login is not lost. */
  get running(): boolean {
    return this.#line.running;
  }

  /**
   * A `fetch` for Helix with this manager's token: sets `Authorization: Bearer …` and `Client-Id`,
   * and on a 401 refreshes once (single-flight) and retries once; nothing else is retried. A stream
   * body is sent once. See {@link createAuthorizedFetch}.
   */
  fetch(input: AuthorizedFetchInput, init?: RequestInit): Promise<Response> {
    return authorizedFetch(this, input, init);
  }

  /**
   * An access token that works now: the cached one when it is fresh (no I/O), else a refreshed one.
   *
   * @throws {@link ReauthenticationRequiredError} once the login cannot be kept alive.
   * @throws the refresh's error when the token has expired and the refresh failed.
   */
  getAccessToken(): Promise<string> {
    const line = this.#line;
    if (this.#clock.now() < line.hotUntil) return Promise.resolve(line.hotAccessToken);
    return line.usableToken().then((token) => token.accessToken);
  }

  /** Like {@link getAccessToken}, with the whole token (refresh token, scopes, expiry). */
  getToken(): Promise<UserToken> {
    return this.#line.usableToken();
  }

  /**
   * Refreshes now, e.g. after Helix answered 401. Joins a refresh in progress; if another process
   * sharing the store already replaced the token, uses its token instead of refreshing again.
   *
   * @param rejectedAccessToken - The access token Helix refused. When given and the manager has
   * moved on to a newer token since, that token is returned without another refresh: many calls
   * failing with the same old token cause one refresh.
   */
  refresh(rejectedAccessToken?: string): Promise<UserToken> {
    return this.#line.refresh(rejectedAccessToken);
  }

  /** Validates the token now (as the timers do hourly); a 401 triggers a refresh. Joins one in progress. */
  validate(): Promise<TokenValidation> {
    return this.#line.validate();
  }

  /**
   * Writes the token the store does not hold yet (the one given to the constructor, or one whose
   * write failed) now, with `writeIfNewer`: never over a newer token. Resolves at once when there is none.
   *
   * @throws the store's error, e.g. a {@link TokenStoreError}; the token stays in use meanwhile.
   */
  flush(): Promise<void> {
    return this.#line.flush();
  }

  /**
   * Replaces the token, e.g. after the user logged in again: clears a permanent failure, stores
   * it one generation above whatever the store holds (so every manager sharing the store adopts
   * it, lost ones included), and (after `start()`) re-arms the timers, with a validation right away.
   *
   * @param token - A {@link UserToken}, its plain JSON fields, twurple's `AccessToken`, or the
   * `[accessToken, refreshToken]` pair (validated once at Twitch to learn its lifetime and scopes;
   * see {@link resolveUserToken}).
   * @throws TypeError for bad token data, before anything is sent or stored.
   * @throws the store's error; the new token is used all the same, and stored later.
   */
  async setToken(token: UserTokenData | UserTokenPair): Promise<void> {
    const resolved = await resolveUserToken(token, { ...this.#http, appId: this.#appId });
    await this.#line.setToken(resolved);
  }

  /**
   * Starts the timers: validation now (or `validateIntervalMs` after `validatedAt`) and then
   * every `validateIntervalMs`, refresh before expiry. The first run happens at once, so
   * `settled()` right after covers it. The timers never keep the process alive. Returns the manager.
   *
   * @throws the {@link ReauthenticationRequiredError} while the login is lost.
   */
  start(options: StartOptions = {}): this {
    const failure = this.#line.failure;
    if (failure !== undefined) throw failure;
    if (this.#line.active) return this;
    const validatedAt = options.validatedAt;
    this.#line.start(validatedAt === undefined ? this.#clock.now() : validatedAt + this.#validateIntervalMs, undefined);
    return this;
  }

  /** Stops the timers; resolves once a refresh or validation in progress has finished. */
  async stop(): Promise<void> {
    this.#line.stop();
    await this.#line.settled();
  }

  /** Resolves when no refresh, validation or scheduled run is in progress. */
  settled(): Promise<void> {
    return this.#line.settled();
  }
}
