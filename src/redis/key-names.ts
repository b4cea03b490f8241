/** The Redis names of one token: its record, its refresh lock and its events channel. @internal */
export interface TokenKeyNames {
  /** A hash: `generation` and `value` (the token's JSON, or its ciphertext). */
  readonly record: string;
  /** A string holding the current lease's owner token, with an expiry. */
  readonly lock: string;
  /** The pub/sub channel a lock release is announced on. */
  readonly events: string;
}

/**
 * Names the keys of every token under one prefix. The token key sits in braces, Redis Cluster's
 * hash tag, so the record, the lock and the channel of one token share a slot: each script runs
 * on one node, and no command is refused with CROSSSLOT. @internal
 */
export class KeyNames {
  readonly prefix: string;

  constructor(prefix: string) {
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new TypeError(
        `The keyPrefix option must be a string without braces (they would change the Redis Cluster hash tag ` +
          `the store puts around each token key); got ${typeof prefix === 'string' ? JSON.stringify(prefix) : typeof prefix}.`,
      );
    }
    this.prefix = prefix;
  }

  /** The names of the token stored under `key`. @throws TypeError for an empty key or one with braces. */
  of(key: string): TokenKeyNames {
    if (typeof key !== 'string' || key === '' || /[{}]/.test(key)) {
      throw new TypeError(
        'A token key must be a non-empty string without braces (RedisTokenStore puts it in braces, as the Redis ' +
          `Cluster hash tag of its keys); got ${typeof key === 'string' ? JSON.stringify(key) : typeof key}.`,
      );
    }
    const base = `${this.prefix}{${key}}`;
    return { record: `${base}:token`, lock: `${base}:lock`, events: `${base}:events` };
  }

  /** The `SCAN MATCH` pattern of every record under the prefix. */
  get recordPattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}{*}:token`;
  }

  /** The `PSUBSCRIBE` pattern of every events channel: the prefix itself, as an ACL channel rule can allow it literally. */
  get channelPattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }

  /** The token key of a record name, or `undefined` when the name is not a record of this prefix. */
  keyOfRecord(name: string): string | undefined {
    const head = `${this.prefix}{`;
    const tail = '}:token';
    if (!name.startsWith(head) || !name.endsWith(tail) || name.length <= head.length + tail.length) return undefined;
    const key = name.slice(head.length, -tail.length);
    return /[{}]/.test(key) ? undefined : key;
  }

  /** Whether a channel is a token's events channel under this prefix. */
  isEventsChannel(channel: string): boolean {
    return channel.startsWith(`${this.prefix}{`) && channel.endsWith('}:events');
  }
}
