import type { AppCredentials } from '../auth/user-authenticator.js';
import { InvalidTokenError } from '../errors/invalid-token-error.js';
import type { MissingScopeError } from '../errors/missing-scope-error.js';
import type { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { UnknownUserError } from '../errors/unknown-user-error.js';
import { authorizedFetch, userFetchSource, type AuthorizedFetchInput } from '../fetch/authorized-fetch.js';
import { requireText } from '../helpers/require-text.js';
import { validateToken, type TokenValidation, type ValidTokenInfo } from '../helpers/validate-token.js';
import { httpOptionsOf, type ClientHttpOptions } from '../http/options.js';
import { Scheduler } from '../lifecycle/scheduler.js';
import { TokenLine, type LineEvents, type LineSettings } from '../lifecycle/token-line.js';
import { MIN_RETRY_MS } from '../lifecycle/token-timing.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenStore } from '../store/token-store.js';
import { checkTokenPair, toUserToken, type UserTokenData, type UserTokenPair } from '../tokens/to-user-token.js';
import { tokenOfValidatedPair } from '../tokens/resolve-user-token.js';
import type { UserToken } from '../tokens/user-token.js';
import { systemClock, type Clock } from './clock.js';
import { notify } from './notify.js';
import { timingOf, validateIntervalOf, type TimingOptions } from './timing-options.js';

/** Options of {@link TokenPool}; every one has a default. */
export interface TokenPoolOptions extends ClientHttpOptions, TimingOptions {
  /** Where the tokens live, one key per user (`keyPrefix` + user id). Default: a {@link MemoryTokenStore}. */
  readonly store?: TokenStore;
  /** The store keys of this pool's users: `<keyPrefix><userId>`. Other keys are left alone. Default: `'user:'`. */
  readonly keyPrefix?: string;
  /**
   * How many refreshes, validations and store loads run at once (start-up validation of thousands
   * of users included), and so how many connections to Twitch the pool needs. Default: `4`.
   */
  readonly concurrency?: number;
  /** Called with every new token of a user once it is stored. */
  readonly onRefresh?: (userId: string, token: UserToken) => void;
  /** Called when a refresh, validation or store write for a user failed in a way that may pass. */
  readonly onRefreshFailure?: (userId: string, error: unknown) => void;
  /** Called once per loss when a user's login cannot be kept alive: the user must log in again. */
  readonly onInvalid?: (userId: string, error: ReauthenticationRequiredError) => void;
  /** Called when validation finds a user's token lacks scopes it had. */
  readonly onMissingScopes?: (userId: string, error: MissingScopeError) => void;
  /** Called after each successful validation of a user's token. */
  readonly onValidate?: (userId: string, info: ValidTokenInfo) => void;
  /** The time source and timer. Default: the system clock (timers unref'd). */
  readonly clock?: Clock;
}

/** Options of {@link TokenPool.addUser}. */
export interface AddUserOptions {
  /** What the user's token is for, e.g. `'chat'`: {@link TokenPool.getAccessTokenForIntent} picks a user by it. */
  readonly intents?: readonly string[];
  /**
   * The user id, when known: no validation is needed to learn it (the pool validates the token on
   * its schedule). Needed for a token whose access token no longer works: it is refreshed under
   * the store's lock like any other.
   */
  readonly userId?: string;
}

/** The golden ratio's fractional part: multiples of it spread evenly over [0, 1) whatever their count. */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * Keeps many users' tokens usable in one process: one token line per user (the same refresh
 * protocol as `TokenManager`, across processes sharing the store) and ONE scheduler timer for
 * all of them. Hourly validations are spread evenly over the hour, refresh times are jittered,
 * at most `concurrency` calls are in flight (start-up included), and a 429 from Twitch pauses the
 * whole pool for as long as Twitch asked.
 *
 * @example
 * ```ts
 * const pool = new TokenPool({ appId, appSecret }, { store, onInvalid: (userId, error) => alert(userId, error) });
 * await pool.start();                                        // loads the users the store holds
 * const userId = await pool.addUser(token, { intents: ['chat'] });
 * const accessToken = await pool.getAccessTokenForUser(userId);
 * ```
 */
export class TokenPool {
  readonly #settings: LineSettings;
  readonly #prefix: string;
  readonly #lines = new Map<string, TokenLine>();
  readonly #intents = new Map<string, Set<string>>();
  readonly #pending = new Set<Promise<unknown>>();
  #started = false;
  #starting: Promise<this> | undefined;
  #ordinal = 0;

  /**
   * @param app - The app's client id, and its secret (leave it out for a public client).
   * @param options - See {@link TokenPoolOptions}.
   */
  constructor(app: AppCredentials, options: TokenPoolOptions = {}) {
    const appId = requireText(app.appId, 'appId');
    const appSecret = app.appSecret === undefined ? undefined : requireText(app.appSecret, 'appSecret');
    const concurrency = options.concurrency ?? 4;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new TypeError(`The concurrency option must be a whole number from 1 to 1000; got ${String(concurrency)}.`);
    }
    this.#prefix = options.keyPrefix ?? 'user:';
    const clock = options.clock ?? systemClock;
    const userOf = (line: TokenLine): string => line.key.slice(this.#prefix.length);
    const events: LineEvents = {
      refreshed: (line, token) => {
        notify(options.onRefresh, userOf(line), token);
      },
      failed: (line, error) => {
        notify(options.onRefreshFailure, userOf(line), error);
      },
      lost: (line, error) => {
        notify(options.onInvalid, userOf(line), error);
      },
      missingScopes: (line, error) => {
        notify(options.onMissingScopes, userOf(line), error);
      },
      validated: (line, info) => {
        notify(options.onValidate, userOf(line), info);
      },
    };
    this.#settings = {
      appId,
      appSecret,
      store: options.store ?? new MemoryTokenStore(),
      http: httpOptionsOf(options),
      clock,
      timing: timingOf(options),
      validateIntervalMs: validateIntervalOf(options),
      scheduler: new Scheduler(clock, concurrency),
      events,
      spender: crypto.randomUUID(),
    };
  }

  /** The app's client id, sent as `Client-Id` by {@link fetchForUser}. */
  get appId(): string {
    return this.#settings.appId;
  }

  /**
   * A `fetch` for Helix with the user's token: sets `Authorization: Bearer …` and `Client-Id`, and
   * on a 401 refreshes the user's token once (single-flight) and retries once; nothing else is
   * retried. See {@link createAuthorizedFetch}.
   */
  fetchForUser(userId: string, input: AuthorizedFetchInput, init?: RequestInit): Promise<Response> {
    return authorizedFetch(userFetchSource(this, userId), input, init);
  }

  /** The users the pool holds tokens for. */
  get userIds(): readonly string[] {
    return [...this.#lines.keys()];
  }

  /** Whether the scheduler runs: between `start()` and `stop()`. */
  get running(): boolean {
    return this.#started;
  }

  /** Whether the pool holds a token for the user. */
  hasUser(userId: string): boolean {
    return this.#lines.has(userId);
  }

  /** The user's token in use, without I/O; `undefined` before it was loaded, while lost, or for an unknown user. */
  currentTokenForUser(userId: string): UserToken | undefined {
    return this.#lines.get(userId)?.token;
  }

  /** The intents of a user, as given to {@link addUser} and {@link addIntentsToUser}. */
  intentsOfUser(userId: string): readonly string[] {
    const intents: string[] = [];
    for (const [intent, users] of this.#intents) if (users.has(userId)) intents.push(intent);
    return intents;
  }

  /**
   * Adds a user's token and resolves with the user id, learned by validating the token once
   * (unless `options.userId` is given). A user the pool holds already gets the token as a new
   * login (it outranks the stored one); a new user's token is a seed: if the store holds a token
   * of that user obtained as late or later (another process, a restart), that one is used.
   *
   * @param token - A {@link UserToken}, its plain JSON fields, twurple's `AccessToken`, or the
   * `[accessToken, refreshToken]` pair.
   * @throws TypeError for bad token data, a token of another app or an app token, before anything is stored.
   * @throws {@link InvalidTokenError} when the access token no longer works and no `userId` was given.
   * @throws the store's error when the token could not be written; the user is added all the same,
   * and the token written later.
   */
  async addUser(token: UserTokenData | UserTokenPair, options: AddUserOptions = {}): Promise<string> {
    const intents = checkIntents(options.intents ?? []);
    const { userId, given, validated } = await this.#identify(token, options.userId);
    for (const intent of intents) this.#usersWith(intent).add(userId);
    const existing = this.#lines.get(userId);
    if (existing !== undefined) {
      await this.#track(existing.setToken(given));
      return userId;
    }
    const line = new TokenLine(this.#prefix + userId, this.#settings, given);
    this.#lines.set(userId, line);
    if (this.#started) this.#startLine(line, validated);
    await this.#track(line.flush());
    return userId;
  }

  /** Adds intents to a user the pool holds. */
  addIntentsToUser(userId: string, intents: readonly string[]): void {
    this.#line(userId);
    for (const intent of checkIntents(intents)) this.#usersWith(intent).add(userId);
  }

  /** Removes intents from a user. */
  removeIntentsFromUser(userId: string, intents: readonly string[]): void {
    for (const intent of intents) this.#intents.get(intent)?.delete(userId);
  }

  /**
   * A fresh access token of the user: the cached one with no I/O, or refreshed first (one refresh
   * however many callers ask at once).
   *
   * @throws {@link UnknownUserError} for a user the pool does not hold.
   * @throws {@link ReauthenticationRequiredError} once the user's login is lost.
   */
  getAccessTokenForUser(userId: string): Promise<string> {
    const line = this.#lines.get(userId);
    if (line !== undefined && this.#settings.clock.now() < line.hotUntil) return Promise.resolve(line.hotAccessToken);
    return this.getTokenForUser(userId).then((token) => token.accessToken);
  }

  /** Like {@link getAccessTokenForUser}, with the whole token. */
  async getTokenForUser(userId: string): Promise<UserToken> {
    return this.#track(this.#line(userId).usableToken());
  }

  /**
   * A fresh access token of the first user (in the order added) with the intent.
   *
   * @throws {@link UnknownUserError} when no user has it.
   */
  async getAccessTokenForIntent(intent: string): Promise<string> {
    return this.getAccessTokenForUser(this.#userForIntent(intent));
  }

  /** The first user (in the order added) with the intent; `undefined` when none has it. */
  userIdForIntent(intent: string): string | undefined {
    for (const userId of this.#intents.get(intent) ?? []) if (this.#lines.has(userId)) return userId;
    return undefined;
  }

  /**
   * Refreshes the user's token now, e.g. after Helix answered 401; joins a refresh in progress.
   *
   * @param rejectedAccessToken - The access token Helix refused: when the pool has moved on since,
   * the newer token is returned without another refresh.
   */
  async refreshForUser(userId: string, rejectedAccessToken?: string): Promise<UserToken> {
    return this.#track(this.#line(userId).refresh(rejectedAccessToken));
  }

  /** Validates the user's token now (the scheduler does it hourly). */
  async validateUser(userId: string): Promise<TokenValidation> {
    return this.#track(this.#line(userId).validate());
  }

  /**
   * Stops keeping the user's token; resolves once its work in flight is done. The store keeps the
   * token unless `deleteStored` is set (a user who left).
   */
  async removeUser(userId: string, options: { readonly deleteStored?: boolean } = {}): Promise<void> {
    const line = this.#lines.get(userId);
    if (line === undefined) return;
    this.#lines.delete(userId);
    for (const users of this.#intents.values()) users.delete(userId);
    line.stop();
    await line.settled();
    if (options.deleteStored === true) await this.#settings.store.delete(line.key);
  }

  /**
   * Starts the one scheduler: loads the users the store holds (keys starting with `keyPrefix`),
   * validates every user now at bounded concurrency and then hourly (spread over the hour), and
   * refreshes before expiry. Resolves once the stored users are listed; the timer never keeps the
   * process alive.
   *
   * @throws the store's error when it cannot list its keys (nothing is started then).
   */
  start(): Promise<this> {
    if (this.#started) return Promise.resolve(this);
    this.#starting ??= this.#loadAndStart().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  /** Stops the scheduler; resolves once work in flight has finished. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const line of this.#lines.values()) line.stop();
    await this.settled();
  }

  /** Resolves when no refresh, validation or load of any user is in flight. */
  async settled(): Promise<void> {
    for (;;) {
      await this.#settings.scheduler.settled();
      if (this.#pending.size === 0) return;
      await Promise.all([...this.#pending].map((work) => work.catch(() => undefined)));
    }
  }

  /** The token as a `UserToken`, and its user: from the options, or from one validation. */
  async #identify(
    token: UserTokenData | UserTokenPair,
    knownUserId: string | undefined,
  ): Promise<{ userId: string; given: UserToken; validated: boolean }> {
    const pair = Array.isArray(token) ? checkTokenPair(token) : undefined;
    const plain = pair === undefined ? toUserToken(token as UserTokenData) : undefined;
    const userId = knownUserId === undefined ? undefined : requireText(knownUserId, 'userId');
    if (plain !== undefined && userId !== undefined) return { userId, given: plain, validated: false };
    const { clock, http, scheduler } = this.#settings;
    const [accessToken, refreshToken] = pair ?? [plain?.accessToken ?? '', plain?.refreshToken ?? ''];
    const sentAt = clock.now();
    const info = await this.#track(scheduler.limit(() => validateToken(accessToken, http)));
    if (!info.valid && userId === undefined) {
      throw new InvalidTokenError({ status: 401, twitchMessage: info.message, endpoint: 'GET /validate' });
    }
    const owner = info.valid ? this.#checkOwner(info, userId) : (userId ?? '');
    const given = plain ?? tokenOfValidatedPair([accessToken, refreshToken], info, sentAt);
    return { userId: owner, given, validated: info.valid };
  }

  #startLine(line: TokenLine, validatedNow: boolean): void {
    const { clock, validateIntervalMs } = this.#settings;
    // The n-th user's first periodic validation comes a golden-ratio share of the interval after
    // its start-up one: users added or loaded together are spread evenly over the hour, for good.
    this.#ordinal += 1;
    const spread = Math.max(MIN_RETRY_MS, Math.round(validateIntervalMs * (1 - ((this.#ordinal * GOLDEN) % 1))));
    if (validatedNow) line.start(clock.now() + spread);
    else line.start(clock.now(), spread);
  }

  #line(userId: string): TokenLine {
    const line = this.#lines.get(userId);
    if (line === undefined) throw new UnknownUserError({ userId });
    return line;
  }

  #userForIntent(intent: string): string {
    const userId = this.userIdForIntent(intent);
    if (userId === undefined) throw new UnknownUserError({ intent });
    return userId;
  }

  #usersWith(intent: string): Set<string> {
    let users = this.#intents.get(intent);
    if (users === undefined) {
      users = new Set();
      this.#intents.set(intent, users);
    }
    return users;
  }

  #checkOwner(info: ValidTokenInfo, expected: string | undefined): string {
    if (info.clientId !== this.#settings.appId) {
      throw new TypeError(
        `The token belongs to another app (client id ${info.clientId}), not to ${this.#settings.appId}: ` +
          'this app cannot refresh it. Log the user in with this app.',
      );
    }
    if (info.userId === null) throw new TypeError('The token is an app access token: a pool keeps user tokens.');
    if (expected !== undefined && expected !== info.userId) {
      throw new TypeError(`The token belongs to the user ${info.userId}, not to ${expected}.`);
    }
    return info.userId;
  }

  async #loadAndStart(): Promise<this> {
    const found: string[] = [];
    for await (const key of this.#settings.store.keys()) {
      if (key.startsWith(this.#prefix) && key.length > this.#prefix.length) found.push(key.slice(this.#prefix.length));
    }
    this.#started = true;
    for (const userId of found) {
      if (!this.#lines.has(userId)) this.#lines.set(userId, new TokenLine(this.#prefix + userId, this.#settings));
    }
    for (const line of this.#lines.values()) this.#startLine(line, false);
    return this;
  }

  /** Counts a call's work for {@link settled}. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const forget = (): void => {
      this.#pending.delete(work);
    };
    void work.then(forget, forget);
    return work;
  }
}

function checkIntents(intents: readonly string[]): readonly string[] {
  const value: unknown = intents;
  if (!Array.isArray(value) || !value.every((intent) => typeof intent === 'string' && intent !== '')) {
    throw new TypeError('intents must be an array of non-empty strings, e.g. ["chat"].');
  }
  return intents;
}
