import type { Cluster, Redis } from 'ioredis';
import { checkDuration } from '../options/duration.js';
import { readKey } from './token-cipher.js';

/** Waiting for replicas to acknowledge each token write; see {@link RedisTokenStoreOptions.replicas}. */
export interface ReplicaAcknowledgement {
  /** How many replicas must have the write (Redis `WAIT numreplicas`); at least 1. */
  readonly count: number;
  /** How long to wait for them (Redis `WAIT timeout`), in ms; at least 1. Default: `1_000`. */
  readonly timeoutMs?: number | undefined;
}

/** Options of `RedisTokenStore`; all but `redis` have a default. */
export interface RedisTokenStoreOptions {
  /**
   * An ioredis client: `new Redis(url)` (standalone, or Sentinel-managed with `sentinels`) or
   * `new Cluster(nodes)`. It may still be connecting: the store's first commands wait for it
   * (`connectTimeoutMs`). The store duplicates it once for its pub/sub connection and listens to
   * its `ready`, `error` and `end` events (to tell a wrong password or TLS certificate from an
   * outage). Its own `keyPrefix` option must be unset: give the prefix to the store.
   */
  readonly redis: Redis | Cluster;
  /**
   * Prefix of every key and channel the store uses; no braces. Keys: `<prefix>{<key>}:token`,
   * `<prefix>{<key>}:lock`; channel `<prefix>{<key>}:events` (the braces are Redis Cluster's hash
   * tag: one token, one slot). Default: `'twitchapi-oauth:'`.
   */
  readonly keyPrefix?: string | undefined;
  /**
   * Encrypts tokens at rest with AES-256-GCM: 32 bytes, or their base64. Keep it out of Redis (an
   * environment variable, a secret manager). With a key, a stored value that is not its ciphertext
   * for that record (plaintext, another key's, another record's) is refused. Default: none (tokens
   * stored as JSON).
   */
  readonly encryptionKey?: Uint8Array | string | undefined;
  /**
   * How long the refresh lock lasts without renewal: the longest a process that died while
   * refreshing holds the others up, and the longest a holder may stall (event loop, GC, a paused
   * VM) between its last check and Twitch receiving its refresh request. Its owner renews it every
   * third of this, so a stall of up to two thirds of it never loses the lock. Default: `30_000`.
   */
  readonly lockTtlMs?: number | undefined;
  /** How long `lock()` waits for another process's refresh before giving up (transiently). Default: `60_000`. */
  readonly waitTimeoutMs?: number | undefined;
  /** How often a waiting process tries the lock when no pub/sub message wakes it. Default: `500`. */
  readonly pollIntervalMs?: number | undefined;
  /**
   * How long one Redis command may take before Redis counts as unavailable, and the longest a
   * `lock()` waits for the pub/sub subscription before relying on polling. Default: `2_000`.
   */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * How long commands issued before the client's first `ready` wait for it. Once it has been ready,
   * an outage fails every call at once instead. Default: `10_000`.
   */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * After each token write, wait for this many replicas to acknowledge it (`WAIT`). A write not
   * acknowledged in time fails with a transient `TokenStoreUnavailableError`: the token stays
   * unsaved in the process and is written again, never reported stored. For Sentinel and replica
   * set-ups; see the README. Default: none (the master's answer is enough).
   */
  readonly replicas?: ReplicaAcknowledgement | undefined;
  /** Told when Redis stops answering (`false`, with the error) and when it answers again (`true`). */
  readonly onAvailabilityChange?: ((available: boolean, error?: unknown) => void) | undefined;
}

/** The options, checked and with their defaults. @internal */
export interface RedisStoreSettings {
  readonly redis: Redis | Cluster;
  readonly keyPrefix: string;
  readonly encryptionKey: Buffer | undefined;
  readonly lockTtlMs: number;
  readonly waitTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly replicas: { readonly count: number; readonly timeoutMs: number } | undefined;
  readonly onAvailabilityChange: ((available: boolean, error?: unknown) => void) | undefined;
}

const KNOWN = new Set([
  'redis',
  'keyPrefix',
  'encryptionKey',
  'lockTtlMs',
  'waitTimeoutMs',
  'pollIntervalMs',
  'commandTimeoutMs',
  'connectTimeoutMs',
  'replicas',
  'onAvailabilityChange',
]);

/**
 * Checks the options at construction, so that a mistake is a `TypeError` there, naming the
 * option, rather than a failure at the first refresh. @internal
 */
export function readRedisStoreOptions(options: RedisTokenStoreOptions): RedisStoreSettings {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('RedisTokenStore needs options: new RedisTokenStore({ redis: new Redis(url) }).');
  }
  const unknown = Object.keys(options).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) {
    throw new TypeError(
      `Unknown RedisTokenStore option${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => JSON.stringify(name)).join(', ')}; ` +
        `the options are ${[...KNOWN].join(', ')}.`,
    );
  }
  const redis = checkClient(options.redis);
  const onAvailabilityChange = options.onAvailabilityChange;
  if (onAvailabilityChange !== undefined && typeof onAvailabilityChange !== 'function') {
    throw new TypeError('The onAvailabilityChange option must be a function.');
  }
  const lockTtlMs = checkDuration('lockTtlMs', options.lockTtlMs ?? 30_000, { min: 3 });
  return {
    redis,
    keyPrefix: options.keyPrefix ?? 'twitchapi-oauth:',
    encryptionKey: options.encryptionKey === undefined ? undefined : readKey(options.encryptionKey),
    lockTtlMs,
    waitTimeoutMs: checkDuration('waitTimeoutMs', options.waitTimeoutMs ?? 60_000),
    pollIntervalMs: checkDuration('pollIntervalMs', options.pollIntervalMs ?? 500, { min: 1 }),
    commandTimeoutMs: checkDuration('commandTimeoutMs', options.commandTimeoutMs ?? 2000, { min: 1 }),
    connectTimeoutMs: checkDuration('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
    replicas: checkReplicas(options.replicas),
    onAvailabilityChange,
  };
}

function checkClient(redis: unknown): Redis | Cluster {
  const client = redis as Partial<Record<'eval' | 'duplicate' | 'hmget' | 'set' | 'on', unknown>> & {
    status?: unknown;
    options?: { keyPrefix?: unknown };
  };
  if (
    typeof redis !== 'object' ||
    redis === null ||
    typeof client.status !== 'string' ||
    ['eval', 'duplicate', 'hmget', 'set', 'on'].some((method) => typeof client[method as 'eval'] !== 'function')
  ) {
    throw new TypeError(
      'The redis option must be an ioredis client: new Redis(process.env.REDIS_URL ?? "redis://localhost:6379"), ' +
        'or new Cluster([...]) for Redis Cluster.',
    );
  }
  const clientPrefix = client.options?.keyPrefix;
  if (typeof clientPrefix === 'string' && clientPrefix !== '') {
    throw new TypeError(
      `The ioredis client has keyPrefix ${JSON.stringify(clientPrefix)}, which ioredis adds to keys but not to ` +
        'pub/sub channels or SCAN patterns, so the store would miss its own wake-ups and keys. Give the store a ' +
        `client without it (e.g. redis.duplicate({ keyPrefix: '' })) and the prefix as its keyPrefix option.`,
    );
  }
  return redis as Redis | Cluster;
}

function checkReplicas(replicas: ReplicaAcknowledgement | undefined): RedisStoreSettings['replicas'] {
  if (replicas === undefined) return undefined;
  if (typeof replicas !== 'object' || (replicas as unknown) === null) {
    throw new TypeError('The replicas option must be { count, timeoutMs? }, e.g. { count: 1, timeoutMs: 1000 }.');
  }
  const { count } = replicas;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new TypeError(`replicas.count must be a whole number of replicas of at least 1; got ${String(count)}.`);
  }
  // WAIT's timeout 0 means "forever": never allowed here.
  return { count, timeoutMs: checkDuration('replicas.timeoutMs', replicas.timeoutMs ?? 1000, { min: 1 }) };
}
