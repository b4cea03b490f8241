import type { Redis } from 'ioredis';
import { TokenStoreError } from '../errors/token-store-error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';
import type { TokenStore } from '../store/token-store.js';
import { UserToken } from '../tokens/user-token.js';
import { COMPARE_AND_SET, FORCE_SET, RELEASE, RENEW } from './scripts.js';
import { decrypt, encrypt, isEncrypted, readKey } from './token-cipher.js';

/** Options of {@link RedisTokenStore}; all but `redis` have a default. */
export interface RedisTokenStoreOptions {
  /**
   * A connected ioredis client. The store duplicates it once for its pub/sub connection, and sends
   * commands only while it is ready (none are queued during an outage).
   */
  readonly redis: Redis;
  /** Prefix of every key the store uses. Default: `'twitchapi-oauth:'`. */
  readonly keyPrefix?: string;
  /**
   * Encrypts tokens at rest with AES-256-GCM: 32 bytes, or their base64. Keep it out of Redis (an
   * environment variable, a secret manager). Default: none (tokens stored as JSON).
   */
  readonly encryptionKey?: Uint8Array | string;
  /**
   * How long the refresh lock lasts without renewal: the longest a process that died while
   * refreshing holds the others up. Its owner renews it every third of this while it works.
   * Default: `10_000`.
   */
  readonly lockTtlMs?: number;
  /** How long to wait for another process's refresh before giving up (transiently). Default: `60_000`. */
  readonly waitTimeoutMs?: number;
  /** How often a waiting process tries the lock when no pub/sub message wakes it. Default: `500`. */
  readonly pollIntervalMs?: number;
  /**
   * How long one Redis command may take before Redis counts as unavailable, and the longest an
   * update waits for the pub/sub subscription before relying on polling. Default: `2_000`.
   */
  readonly commandTimeoutMs?: number;
  /** Told when Redis stops answering (`false`, with the error) and when it answers again (`true`). */
  readonly onAvailabilityChange?: (available: boolean, error?: unknown) => void;
}

/** The keys of one token. */
interface TokenKeys {
  readonly token: string;
  readonly version: string;
  readonly lock: string;
  readonly events: string;
}

/**
 * A {@link TokenStore} in Redis, shared by every process acting as the same Twitch account, with a
 * cluster-wide single-flight refresh: `update()` runs under a lock (`SET NX PX` with an owner,
 * renewed while held, released by compare-and-delete), writes only if the token's version did not
 * move (so a stale writer cannot overwrite a newer token), and wakes the waiting processes by
 * pub/sub (with polling as the fallback). A `TokenManager` on it works across processes unchanged:
 * one process refreshes, the others wait and use its token.
 *
 * When Redis is unreachable, every call fails at once with a transient
 * {@link TokenStoreUnavailableError}: the managers keep their still-valid tokens, and no refresh
 * happens outside the lock.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisTokenStore } from 'twitchapi-oauth/redis';
 *
 * const store = new RedisTokenStore({ redis: new Redis(process.env.REDIS_URL), encryptionKey: process.env.TOKEN_KEY });
 * const manager = new TokenManager({ appId }, undefined, { store, key: 'bot' }).start();
 * ```
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #key: Buffer | undefined;
  readonly #lockTtlMs: number;
  readonly #waitTimeoutMs: number;
  readonly #pollIntervalMs: number;
  readonly #commandTimeoutMs: number;
  readonly #onAvailabilityChange: ((available: boolean, error?: unknown) => void) | undefined;
  #subscriber: Redis | undefined;
  #subscribed: Promise<void> | undefined;
  /** Waiters per events channel, woken by pub/sub. */
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Messages seen per events channel: a message that came between a failed lock attempt and the wait is not lost. */
  readonly #messages = new Map<string, number>();
  #available = true;
  #closed = false;

  constructor(options: RedisTokenStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? 'twitchapi-oauth:';
    this.#key = options.encryptionKey === undefined ? undefined : readKey(options.encryptionKey);
    this.#lockTtlMs = positive('lockTtlMs', options.lockTtlMs ?? 10_000);
    this.#waitTimeoutMs = positive('waitTimeoutMs', options.waitTimeoutMs ?? 60_000);
    this.#pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs ?? 500);
    this.#commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs ?? 2000);
    this.#onAvailabilityChange = options.onAvailabilityChange;
  }

  /** Whether Redis answered the last command. */
  get available(): boolean {
    return this.#available;
  }

  /** The token stored under `key`, or `undefined`. */
  async get(key: string): Promise<UserToken | undefined> {
    const keys = this.#keys(key);
    const value = await this.#command(() => this.#redis.get(keys.token));
    return value === null ? undefined : this.#decode(value, keys.token);
  }

  /** Stores a token, whatever is stored (after a new login), and wakes the waiting processes. */
  async set(key: string, token: UserToken): Promise<void> {
    const keys = this.#keys(key);
    await this.#command(() =>
      this.#redis.eval(FORCE_SET, 3, keys.token, keys.version, keys.events, this.#encode(token, keys.token)),
    );
  }

  /**
   * Runs `replace` under the cluster-wide lock, once no other process is updating the key, with
   * the token as stored then. Its result is written only if no newer token was stored meanwhile;
   * otherwise the newer token is returned. See {@link TokenStore.update}.
   *
   * @throws {@link TokenStoreUnavailableError} when Redis cannot be reached, or another process
   * held the lock past `waitTimeoutMs`.
   */
  async update(key: string, replace: (current: UserToken | undefined) => Promise<UserToken>): Promise<UserToken> {
    const keys = this.#keys(key);
    const deadline = Date.now() + this.#waitTimeoutMs;
    // Listening before the first attempt: a release right after a failed attempt must wake this one.
    await this.#listen();
    for (;;) {
      const seen = this.#messages.get(keys.events) ?? 0;
      const owner = crypto.randomUUID();
      const acquired = await this.#command(() => this.#redis.set(keys.lock, owner, 'PX', this.#lockTtlMs, 'NX'));
      if (acquired === 'OK') return this.#updateLocked(key, keys, owner, replace);
      if (Date.now() >= deadline) {
        throw new TokenStoreUnavailableError(
          `Another process held the refresh lock of ${keys.lock} for over ${String(this.#waitTimeoutMs)} ms; ` +
            'the token is kept as it is and the refresh will be tried again.',
        );
      }
      await this.#waitForChange(keys, deadline, seen);
    }
  }

  /** Closes the store's pub/sub connection (not the client given to it). */
  async close(): Promise<void> {
    this.#closed = true;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    if (subscriber !== undefined)
      await subscriber.quit().catch(() => {
        subscriber.disconnect();
      });
  }

  async #updateLocked(
    key: string,
    keys: TokenKeys,
    owner: string,
    replace: (current: UserToken | undefined) => Promise<UserToken>,
  ): Promise<UserToken> {
    // Renewed while this process works, so a slow refresh keeps it; a dead or paused one loses it.
    const renewal = setInterval(() => {
      this.#command(() => this.#redis.eval(RENEW, 1, keys.lock, owner, String(this.#lockTtlMs))).catch(() => undefined);
    }, this.#lockTtlMs / 3);
    renewal.unref();
    try {
      const [value, version] = await this.#command(() => this.#redis.mget(keys.token, keys.version));
      const current = value === null || value === undefined ? undefined : this.#decode(value, keys.token);
      const next = await replace(current);
      if (next === current) return next;
      const written = await this.#command(() =>
        this.#redis.eval(
          COMPARE_AND_SET,
          3,
          keys.token,
          keys.version,
          keys.events,
          version ?? '',
          this.#encode(next, keys.token),
        ),
      );
      if (written !== -1) return next;
      // The lock lapsed while this process was away, and another stored a newer token: keep that one.
      return (await this.get(key)) ?? next;
    } finally {
      clearInterval(renewal);
      await this.#command(() => this.#redis.eval(RELEASE, 2, keys.lock, keys.events, owner)).catch(() => undefined);
    }
  }

  /**
   * Resolves when the key's events channel speaks (at once if it spoke since `seen`), after
   * `pollIntervalMs`, or at the deadline.
   */
  async #waitForChange(keys: TokenKeys, deadline: number, seen: number): Promise<void> {
    if ((this.#messages.get(keys.events) ?? 0) !== seen) return;
    await new Promise<void>((resolve) => {
      let waiters = this.#waiters.get(keys.events);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(keys.events, waiters);
      }
      const wake = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(this.#pollIntervalMs, deadline - Date.now())));
      waiters.add(wake);
    });
  }

  /**
   * Waits until the store listens for wake-ups, for `commandTimeoutMs` at most: without pub/sub,
   * polling still works, and while Redis is down the lock attempt that follows fails fast and says so.
   */
  async #listen(): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#subscribe().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, this.#commandTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /**
   * One pub/sub connection for every key of this store, made on first need. Every caller awaits the
   * same subscription, so none tries the lock before it listens; a failed one is tried again later.
   */
  #subscribe(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#subscribed ??= this.#openSubscriber().catch((error: unknown) => {
      this.#subscribed = undefined;
      throw error;
    });
    return this.#subscribed;
  }

  async #openSubscriber(): Promise<void> {
    const subscriber = this.#redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined); // reported through the commands of the main client
    subscriber.on('pmessage', (_pattern: string, channel: string) => {
      this.#messages.set(channel, (this.#messages.get(channel) ?? 0) + 1);
      for (const wake of this.#waiters.get(channel) ?? []) wake();
    });
    try {
      await subscriber.psubscribe(`${this.#prefix}events:*`);
    } catch (error) {
      subscriber.disconnect();
      if (this.#subscriber === subscriber) this.#subscriber = undefined;
      throw error;
    }
  }

  /** Runs a command only while Redis is ready, within `commandTimeoutMs`; tracks availability. */
  async #command<T>(run: () => Promise<T>): Promise<T> {
    if (this.#redis.status !== 'ready') {
      const error = new TokenStoreUnavailableError(
        `Redis is not reachable (its connection is ${this.#redis.status}): the token is kept as it is, ` +
          'and the store is tried again; check that Redis is up.',
      );
      this.#setAvailable(false, error);
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(new TokenStoreUnavailableError(`Redis did not answer within ${String(this.#commandTimeoutMs)} ms.`));
          }, this.#commandTimeoutMs);
        }),
      ]);
      this.#setAvailable(true);
      return result;
    } catch (error) {
      const unavailable =
        error instanceof TokenStoreUnavailableError
          ? error
          : new TokenStoreUnavailableError(`Redis refused a command: ${String(error)}`, error);
      this.#setAvailable(false, unavailable);
      throw unavailable;
    } finally {
      clearTimeout(timer);
    }
  }

  #setAvailable(available: boolean, error?: unknown): void {
    if (available === this.#available) return;
    this.#available = available;
    try {
      this.#onAvailabilityChange?.(available, error);
    } catch (callbackError) {
      process.emitWarning(`onAvailabilityChange threw: ${String(callbackError)}`, 'RedisTokenStoreWarning');
    }
  }

  #keys(key: string): TokenKeys {
    if (typeof key !== 'string' || key === '') throw new TypeError('A token key must be a non-empty string.');
    return {
      token: `${this.#prefix}token:${key}`,
      version: `${this.#prefix}version:${key}`,
      lock: `${this.#prefix}lock:${key}`,
      events: `${this.#prefix}events:${key}`,
    };
  }

  #encode(token: UserToken, redisKey: string): string {
    const json = JSON.stringify(token);
    return this.#key === undefined ? json : encrypt(json, this.#key, redisKey);
  }

  #decode(value: string, redisKey: string): UserToken {
    let json = value;
    if (isEncrypted(value)) {
      if (this.#key === undefined) {
        throw new TokenStoreError(
          { path: redisKey, reason: 'corrupt' },
          `The token under ${redisKey} is encrypted: give the store its encryptionKey.`,
        );
      }
      try {
        json = decrypt(value, this.#key, redisKey);
      } catch {
        throw new TokenStoreError(
          { path: redisKey, reason: 'corrupt' },
          `The token under ${redisKey} cannot be decrypted with this encryptionKey (another key, or a value ` +
            'copied from another key). Use the key it was written with, or log in again to replace it.',
        );
      }
    }
    try {
      return UserToken.fromJSON(JSON.parse(json));
    } catch {
      throw new TokenStoreError(
        { path: redisKey, reason: 'corrupt' },
        `The value under ${redisKey} is not a token of twitchapi-oauth. Delete the key (the user then logs in ` +
          'again), or use another keyPrefix.',
      );
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`The ${name} option must be a number of milliseconds above 0; got ${String(value)}.`);
  }
  return value;
}
