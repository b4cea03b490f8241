import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { TokenStoreError } from '../errors/token-store-error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';
import { checkSpendMark, spendMarkOfText, spendMarkText } from '../store/spend-mark.js';
import type {
  LockOptions,
  SpendMark,
  TokenLease,
  TokenRecord,
  TokenStore,
  WriteOutcome,
} from '../store/token-store.js';
import { UserToken } from '../tokens/user-token.js';
import { ClientWatch, type NotUsable, type RedisClient } from './client-watch.js';
import { KeyNames, type TokenKeyNames } from './key-names.js';
import { readFailure, storeErrorOf } from './redis-failure.js';
import { RecordKeeper } from './record-keeper.js';
import { RedisLease, type LeaseHost } from './redis-lease.js';
import {
  readRedisStoreOptions,
  type RedisStoreSettings,
  type RedisTokenStoreOptions,
} from './redis-token-store-options.js';
import { RELEASE, WRITE_IF_NEWER } from './scripts.js';
import { decrypt, encrypt, isEncrypted } from './token-cipher.js';
import { WakeUps } from './wake-ups.js';

/** How one command is run: what it is for (for messages) and which key it concerns. */
interface CommandContext {
  readonly what: string;
  readonly path: string;
  /** Values sent with the command that must never appear in an error (a token's JSON). */
  readonly sent?: readonly string[];
  /** Overrides `commandTimeoutMs` (a `WAIT` takes its own timeout on top). */
  readonly timeoutMs?: number;
}

/**
 * A {@link TokenStore} in Redis, shared by every process acting as the same Twitch accounts: a
 * standalone server, a Sentinel-managed master with replicas, or a Redis Cluster (Valkey too).
 *
 * - Each token is one hash, `<prefix>{<key>}:token`, holding the token and its generation: the
 *   lineage lives in the record, so no restart, lagging replica or lapsed lock can separate them.
 *   {@link writeIfNewer} is a Lua compare-and-set on that generation.
 * - {@link lock} is `SET NX PX` with a random owner, renewed every third of `lockTtlMs` while held;
 *   {@link TokenLease.confirm} is one Lua step checking the owner and the generation (and
 *   extending the lock for the request that follows). A release is announced on the token's
 *   channel; waiters listen by pattern on one pub/sub connection and poll as a fallback.
 * - The record, lock and channel of a token share a hash tag (`{<key>}`), so every script runs on
 *   one Redis Cluster node.
 * - Commands issued while the client is still connecting wait for it (`connectTimeoutMs`); once it
 *   has been ready, an outage fails every call at once with a transient
 *   {@link TokenStoreUnavailableError}. A wrong password, an ACL refusal or a refused TLS
 *   certificate is a permanent {@link TokenStoreError} (`reason: 'config'`) that says what to fix.
 * - No error it raises carries a token: ioredis's errors (which hold the command's arguments) are
 *   never attached, only their first line and code.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisTokenStore } from 'twitchapi-oauth/redis';
 *
 * const store = new RedisTokenStore({ redis: new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379') });
 * ```
 */
export class RedisTokenStore implements TokenStore {
  readonly #settings: RedisStoreSettings;
  readonly #client: RedisClient;
  readonly #names: KeyNames;
  readonly #watch: ClientWatch;
  readonly #wakeUps: WakeUps;
  readonly #leaseHost: LeaseHost;
  readonly #keeper: RecordKeeper;
  #available = true;

  /** @throws TypeError when an option is missing, unknown or out of range. */
  constructor(options: RedisTokenStoreOptions) {
    this.#settings = readRedisStoreOptions(options);
    this.#client = this.#settings.redis;
    this.#names = new KeyNames(this.#settings.keyPrefix);
    this.#keeper = new RecordKeeper(
      (key, record) => this.writeIfNewer(key, record),
      Math.min(this.#settings.pollIntervalMs, 1000),
    );
    this.#watch = new ClientWatch(this.#client, () => {
      void this.#keeper.restoreAll();
    });
    this.#wakeUps = new WakeUps(this.#client, this.#names.channelPattern, (channel) =>
      this.#names.isEventsChannel(channel),
    );
    this.#leaseHost = {
      run: (script, keys, args, what) =>
        this.#command({ what, path: keys[0] ?? '' }, () => this.#client.eval(script, keys.length, ...keys, ...args)),
      tryRun: (script, keys, args) => this.#tryScript(script, keys, args),
      noteRefused: (key, generation, mark) => {
        this.#keeper.refused(key, generation, mark);
      },
      whenStored: (key, timeoutMs) => this.#keeper.whenStored(key, timeoutMs),
      hasPendingWrite: (key) => this.#keeper.hasPending(key),
    };
  }

  /** Whether Redis answered the last command. */
  get available(): boolean {
    return this.#available;
  }

  /** The record stored under `key`, or `undefined` when there is none. */
  async read(key: string): Promise<TokenRecord | undefined> {
    const names = this.#names.of(key);
    const [generation, value, spend] = await this.#command(
      { what: `reading ${names.record}`, path: names.record },
      () => this.#client.hmget(names.record, 'generation', 'value', 'spend'),
    );
    if ((generation ?? null) === null && (value ?? null) === null) return undefined;
    const record = this.#decodeRecord(names.record, generation ?? null, value ?? null, spend ?? null);
    this.#keeper.seen(key, record);
    return record;
  }

  /**
   * Stores `record` only over an older generation or nothing, in one Lua step. With `replicas`,
   * the write (or an equal one already there) must also be acknowledged by that many replicas.
   *
   * @throws {@link TokenStoreUnavailableError} when Redis cannot be reached in time, or the
   * replicas did not acknowledge the write: the record then counts as not stored.
   */
  async writeIfNewer(key: string, record: TokenRecord): Promise<WriteOutcome> {
    const names = this.#names.of(key);
    const checked = checkRecord(record);
    let outcome: WriteOutcome & { readonly acknowledged: number };
    try {
      outcome = await this.#writeRecord(names, record, checked);
    } catch (error) {
      // Maybe it never reached Redis: retried, and the lock is kept until it is stored.
      this.#keeper.failed(key, record, error instanceof TokenStoreUnavailableError, true);
      throw error;
    }
    const replicas = this.#settings.replicas;
    if (
      replicas !== undefined &&
      outcome.current.generation === checked.generation &&
      outcome.acknowledged < replicas.count
    ) {
      // On the master, where the next holder reads it; only its acknowledgement is retried.
      this.#keeper.failed(key, record, true, false);
      const error = new TokenStoreUnavailableError(
        `The token was written to the Redis master, but ${String(outcome.acknowledged)} of the ${String(replicas.count)} ` +
          `replicas asked for acknowledged it within ${String(replicas.timeoutMs)} ms (WAIT), so it counts as not ` +
          'stored: a failover now could lose it. It is kept in the process and written again.',
      );
      this.#setAvailable(false, error);
      throw error;
    }
    this.#keeper.stored(key, outcome);
    return { written: outcome.written, current: outcome.current };
  }

  async #writeRecord(
    names: TokenKeyNames,
    record: TokenRecord,
    { token, generation, spend }: { token: UserToken; generation: number; spend?: SpendMark },
  ): Promise<WriteOutcome & { readonly acknowledged: number }> {
    const value = this.#encode(names.record, token, generation);
    const replicas = this.#settings.replicas;
    const args = [String(generation), value, replicas === undefined ? '0' : '1', spendMarkText(spend)];
    const context: CommandContext = {
      what: `writing ${names.record}`,
      path: names.record,
      sent: [value, JSON.stringify(token)],
      timeoutMs: this.#settings.commandTimeoutMs + (replicas?.timeoutMs ?? 0),
    };
    let answer: unknown;
    let acknowledged: number | undefined;
    if (replicas === undefined) {
      answer = await this.#command(context, () => this.#client.eval(WRITE_IF_NEWER, 1, names.record, ...args));
    } else {
      // One round trip: WAIT follows the script on the same connection (on a cluster, the
      // pipeline goes to the node of the record's slot).
      const results = await this.#command(context, () =>
        this.#client
          .pipeline()
          .eval(WRITE_IF_NEWER, 1, names.record, ...args)
          .wait(replicas.count, replicas.timeoutMs)
          .exec(),
      );
      const [[scriptError, scriptAnswer] = [], [waitError, waitAnswer] = []] = results ?? [];
      if (scriptError !== null && scriptError !== undefined) throw this.#failureError(scriptError, context);
      if (waitError !== null && waitError !== undefined) throw this.#failureError(waitError, context);
      answer = scriptAnswer;
      acknowledged = typeof waitAnswer === 'number' ? waitAnswer : Number(waitAnswer);
    }
    return { ...this.#outcomeOf(names.record, record, answer), acknowledged: acknowledged ?? 0 };
  }

  /**
   * Waits until this caller holds the key's refresh lock: one holder across every process. Each
   * attempt is `SET NX PX`; between attempts the caller sleeps until the holder's release is
   * announced (or `pollIntervalMs`).
   *
   * @throws {@link TokenStoreUnavailableError} when Redis cannot be reached, or another process
   * held the lock past `waitTimeoutMs`; the signal's reason when it aborts; a {@link TokenStoreError}
   * when the ACL refuses the store's channels.
   */
  async lock(key: string, options: LockOptions = {}): Promise<TokenLease> {
    const names = this.#names.of(key);
    const { signal } = options;
    signal?.throwIfAborted();
    const deadline = Date.now() + this.#settings.waitTimeoutMs;
    // Listening before the first attempt: a release right after a failed attempt must wake this one.
    await this.#whenUsable({ what: `taking the refresh lock ${names.lock}`, path: names.lock });
    {
      const refused = await this.#wakeUps.listen(this.#settings.commandTimeoutMs);
      if (refused !== undefined) {
        throw storeErrorOf(refused, {
          what: `subscribing to ${this.#names.channelPattern}`,
          path: names.events,
          prefix: this.#names.prefix,
        });
      }
    }
    for (;;) {
      signal?.throwIfAborted();
      const seen = this.#wakeUps.seen(names.events);
      const owner = randomUUID();
      if (await this.#acquire(names, owner)) {
        return new RedisLease(
          this.#leaseHost,
          key,
          names,
          owner,
          this.#settings.lockTtlMs,
          this.#settings.waitTimeoutMs,
        );
      }
      if (Date.now() >= deadline) {
        throw new TokenStoreUnavailableError(
          `Another process held the refresh lock ${names.lock} for over ${String(this.#settings.waitTimeoutMs)} ms; ` +
            'the token is kept as it is and the refresh will be tried again.',
        );
      }
      await this.#wakeUps.wait(
        names.events,
        seen,
        Math.min(this.#settings.pollIntervalMs, deadline - Date.now()),
        signal,
      );
    }
  }

  /** Every key with a record under the prefix: `SCAN`, on a cluster over every master. */
  async *keys(): AsyncIterable<string> {
    const pattern = this.#names.recordPattern;
    const what = `listing the keys ${pattern}`;
    await this.#whenUsable({ what, path: pattern });
    const nodes: readonly Redis[] = this.#client.isCluster
      ? (this.#client as Cluster).nodes('master')
      : [this.#client as Redis];
    const listed = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, names] = await this.#command({ what, path: pattern }, () =>
          node.scan(cursor, 'MATCH', pattern, 'COUNT', 250),
        );
        cursor = next;
        for (const name of names) {
          const key = this.#names.keyOfRecord(name);
          if (key === undefined || listed.has(key)) continue;
          listed.add(key);
          yield key;
        }
      } while (cursor !== '0');
    }
  }

  /** Removes the record under `key` (not a lock someone may hold). */
  async delete(key: string): Promise<void> {
    const names = this.#names.of(key);
    this.#keeper.forget(key);
    await this.#command({ what: `deleting ${names.record}`, path: names.record }, () => this.#client.del(names.record));
  }

  /**
   * Closes the store's pub/sub connection, stops listening to the client's events (the client
   * itself is the caller's to close) and stops retrying failed writes (call the managers' `stop()`
   * and `flush()` first). Calls after it still work, waiting for locks by polling.
   */
  async close(): Promise<void> {
    this.#keeper.close();
    this.#watch.dispose();
    await this.#wakeUps.close();
  }

  /** One lock attempt. An answer that comes after the attempt timed out is released at once. */
  async #acquire(names: TokenKeyNames, owner: string): Promise<boolean> {
    let attempt: Promise<string | null> | undefined;
    try {
      const answer = await this.#command({ what: `taking the refresh lock ${names.lock}`, path: names.lock }, () => {
        attempt = this.#client.set(names.lock, owner, 'PX', this.#settings.lockTtlMs, 'NX');
        return attempt;
      });
      return answer === 'OK';
    } catch (error) {
      attempt?.then(
        (late) => {
          if (late === 'OK') void this.#tryScript(RELEASE, [names.lock], [owner, names.events]);
        },
        () => undefined,
      );
      throw error;
    }
  }

  async #tryScript(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    if (!this.#watch.ready) return undefined;
    return this.#command({ what: 'releasing a lock', path: keys[0] ?? '' }, () =>
      this.#client.eval(script, keys.length, ...keys, ...args),
    ).catch(() => undefined);
  }

  /**
   * Runs a command once the client is usable (waiting for its first `ready`, up to
   * `connectTimeoutMs`), within the command timeout; tracks availability and turns every failure
   * into one of the store's errors, without a trace of the command's arguments.
   */
  async #command<T>(context: CommandContext, run: () => Promise<T>): Promise<T> {
    await this.#whenUsable(context);
    const timeoutMs = context.timeoutMs ?? this.#settings.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(
              new TokenStoreUnavailableError(
                `Redis did not answer within ${String(timeoutMs)} ms while ${context.what}: the token is kept as it ` +
                  'is and the store is tried again.',
              ),
            );
          }, timeoutMs);
        }),
      ]);
      this.#setAvailable(true);
      return result;
    } catch (error) {
      throw this.#failureError(error, context);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the client's first ready (up to `connectTimeoutMs`); after that, fails at once while it is down. */
  async #whenUsable(context: CommandContext): Promise<void> {
    const notUsable = await this.#watch.usable(this.#settings.connectTimeoutMs);
    if (notUsable !== undefined) {
      const error = this.#notUsableError(notUsable, context);
      this.#setAvailable(false, error);
      throw error;
    }
  }

  #failureError(error: unknown, context: CommandContext): TokenStoreError | TokenStoreUnavailableError {
    const storeError =
      error instanceof TokenStoreUnavailableError || error instanceof TokenStoreError
        ? error
        : storeErrorOf(readFailure(error, context.sent), { ...context, prefix: this.#names.prefix });
    if (storeError instanceof TokenStoreUnavailableError || storeError.reason === 'config') {
      this.#setAvailable(false, storeError);
    }
    return storeError;
  }

  #notUsableError(notUsable: NotUsable, context: CommandContext): TokenStoreError | TokenStoreUnavailableError {
    if (notUsable.state === 'config') {
      return storeErrorOf(notUsable.failure, { ...context, prefix: this.#names.prefix });
    }
    const last = notUsable.failure === undefined ? '' : `; last error: ${notUsable.failure.text}`;
    if (notUsable.state === 'never-ready') {
      return new TokenStoreUnavailableError(
        `Redis did not become ready within ${String(this.#settings.connectTimeoutMs)} ms (its connection is ` +
          `${notUsable.status}${last}) while ${context.what}: the token is kept as it is and the store is tried ` +
          'again; check that Redis is up and that the client points at it.',
      );
    }
    return new TokenStoreUnavailableError(
      `Redis is not reachable (its connection is ${notUsable.status}${last}) while ${context.what}: the token is ` +
        'kept as it is and the store is tried again; check that Redis is up.',
    );
  }

  #setAvailable(available: boolean, error?: unknown): void {
    if (available === this.#available) return;
    this.#available = available;
    try {
      this.#settings.onAvailabilityChange?.(available, error);
    } catch (callbackError) {
      process.emitWarning(`onAvailabilityChange threw: ${String(callbackError)}`, 'RedisTokenStoreWarning');
    }
  }

  #outcomeOf(recordName: string, record: TokenRecord, answer: unknown): WriteOutcome {
    // Numbers, or their strings with ioredis's stringNumbers option.
    const status = Array.isArray(answer) ? Number(answer[0]) : Number.NaN;
    if (status !== 0 && status !== 1) {
      throw corrupt(
        recordName,
        `The Redis key ${recordName} is not a token record of twitchapi-oauth (a hash with a whole-number ` +
          'generation and a value). Delete the key (the user then logs in again), or give the store another keyPrefix.',
      );
    }
    if (status === 1) return { written: true, current: record };
    const [, generation, value, spend] = answer as unknown[];
    const current = this.#decodeRecord(recordName, toText(generation), toText(value), toText(spend));
    // The same record is already there: written before (say, by an attempt whose answer was lost).
    if (current.generation === record.generation && sameToken(current.token, record.token)) {
      return { written: true, current };
    }
    return { written: false, current };
  }

  #encode(recordName: string, token: UserToken, generation: number): string {
    const json = JSON.stringify(token);
    const key = this.#settings.encryptionKey;
    return key === undefined ? json : encrypt(json, key, contextOf(recordName, generation));
  }

  #decodeRecord(
    recordName: string,
    generationText: string | null,
    value: string | null,
    spendText: string | null,
  ): TokenRecord {
    const generation = generationText === null ? Number.NaN : Number(generationText);
    if (value === null || !/^\d+$/.test(generationText ?? '') || !Number.isSafeInteger(generation)) {
      throw corrupt(
        recordName,
        `The Redis key ${recordName} is not a token record of twitchapi-oauth (a hash with a whole-number ` +
          'generation and a value). Delete the key (the user then logs in again), or give the store another keyPrefix.',
      );
    }
    const token = this.#decodeToken(recordName, value, generation);
    const spend = spendMarkOfText(spendText);
    return spend === undefined ? { token, generation } : { token, generation, spend };
  }

  #decodeToken(recordName: string, value: string, generation: number): UserToken {
    const key = this.#settings.encryptionKey;
    let json = value;
    if (key !== undefined) {
      if (!isEncrypted(value)) {
        throw corrupt(
          recordName,
          `The token under ${recordName} is not encrypted, but this store has an encryptionKey: it was not ` +
            'written by a store with this key, so it is refused, never used. Delete the key and log in again ' +
            '(or find who writes unencrypted tokens there).',
        );
      }
      try {
        json = decrypt(value, key, contextOf(recordName, generation));
      } catch {
        throw corrupt(
          recordName,
          `The token under ${recordName} cannot be decrypted with this encryptionKey (another key, or a value ` +
            'copied from another key or generation): it is refused. Use the key it was written with, or log in ' +
            'again to replace it.',
        );
      }
    } else if (isEncrypted(value)) {
      throw corrupt(recordName, `The token under ${recordName} is encrypted: give the store its encryptionKey.`);
    }
    try {
      return UserToken.fromJSON(JSON.parse(json));
    } catch {
      throw corrupt(
        recordName,
        `The value under ${recordName} is not a token of twitchapi-oauth. Delete the key (the user then logs in ` +
          'again), or give the store another keyPrefix.',
      );
    }
  }
}

function corrupt(path: string, message: string): TokenStoreError {
  return new TokenStoreError({ path, reason: 'corrupt' }, message);
}

/** The associated data of a record's ciphertext: the Redis key and the generation it was written with. */
function contextOf(recordName: string, generation: number): string {
  return `${recordName}#${String(generation)}`;
}

function toText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  return null;
}

function sameToken(a: UserToken, b: UserToken): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkRecord(record: unknown): { token: UserToken; generation: number; spend?: SpendMark } {
  const { token: given, generation, spend } = (record as Partial<TokenRecord> | null | undefined) ?? {};
  let token: UserToken;
  try {
    token = given instanceof UserToken ? given : UserToken.fromJSON(JSON.parse(JSON.stringify(given)));
  } catch {
    throw new TypeError('writeIfNewer needs a record { token, generation } whose token is a UserToken.');
  }
  if (!Number.isSafeInteger(generation) || (generation ?? -1) < 0) {
    throw new TypeError(`A record's generation must be a whole number from 0; got ${String(generation)}.`);
  }
  const mark = checkSpendMark(spend);
  return mark === undefined
    ? { token, generation: generation ?? 0 }
    : { token, generation: generation ?? 0, spend: mark };
}
