import type { Cluster, Redis } from 'ioredis';
import { isConfigFailure, readFailure, type RedisFailure } from './redis-failure.js';

/** An ioredis client, standalone (or Sentinel-managed) or cluster. @internal */
export type RedisClient = Redis | Cluster;

/** Why the client cannot take a command now. @internal */
export type NotUsable =
  /** It has never been ready and did not get ready in time; `failure` is the last error seen. */
  | { readonly state: 'never-ready'; readonly status: string; readonly failure: RedisFailure | undefined }
  /** It was ready once and is not now: an outage, reported at once. */
  | { readonly state: 'down'; readonly status: string; readonly failure: RedisFailure | undefined }
  /** A failure no retry cures (credentials, ACL, TLS). */
  | { readonly state: 'config'; readonly status: string; readonly failure: RedisFailure };

/**
 * Follows the state of the client given to the store: whether it has ever been ready, and the
 * last connection error (to tell a wrong password or a refused certificate from an outage).
 * Commands issued before the client's first `ready` wait for it, a bounded time; after that an
 * outage is reported at once. @internal
 */
export class ClientWatch {
  readonly #client: RedisClient;
  #everReady: boolean;
  #lastFailure: RedisFailure | undefined;
  /** Callers waiting for the first ready, or for a configuration failure. */
  readonly #waiters = new Set<() => void>();
  readonly #onReady = (): void => {
    const reconnected = this.#everReady;
    this.#everReady = true;
    this.#lastFailure = undefined;
    this.#wakeAll();
    if (reconnected) this.#onReconnect();
  };
  readonly #onReconnect: () => void;
  readonly #onError = (error: unknown): void => {
    const failure = readFailure(error);
    // A configuration failure stays the reason until the next ready: the generic errors that
    // follow it (a cluster's "Failed to refresh slots cache.") say less.
    if (this.#lastFailure !== undefined && isConfigFailure(this.#lastFailure) && !isConfigFailure(failure)) return;
    this.#lastFailure = failure;
    if (isConfigFailure(failure)) this.#wakeAll();
  };
  readonly #onEnd = (): void => {
    this.#wakeAll();
  };

  /** @param onReconnect - Called when the client is ready again after having been ready. */
  constructor(client: RedisClient, onReconnect: () => void = () => undefined) {
    this.#client = client;
    this.#onReconnect = onReconnect;
    this.#everReady = client.status === 'ready';
    client.on('ready', this.#onReady);
    // A cluster reports its nodes' connection failures as 'node error'.
    client.on('error', this.#onError);
    if (client.isCluster) client.on('node error', this.#onError);
    client.on('end', this.#onEnd);
  }

  /** Whether the client is ready now. */
  get ready(): boolean {
    return this.#client.status === 'ready';
  }

  /**
   * Resolves when the client can take a command; before its first ready, waits up to `timeoutMs`
   * for it. Resolves `undefined` when usable, or why not.
   */
  async usable(timeoutMs: number): Promise<NotUsable | undefined> {
    if (this.#client.status === 'ready') return undefined;
    const config = this.#configFailure();
    if (config !== undefined) return config;
    if (this.#everReady || this.#client.status === 'end') {
      return { state: 'down', status: this.#client.status, failure: this.#lastFailure };
    }
    if (this.#client.status === 'wait') {
      // lazyConnect: the first command would connect it; the store sends none before it is ready.
      this.#client.connect().catch(() => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    let wake = (): void => undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      this.#waiters.add(wake);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.#waiters.delete(wake);
    if (this.ready) return undefined;
    return (
      this.#configFailure() ?? {
        state: this.#wasEverReady() ? 'down' : 'never-ready',
        status: this.#client.status,
        failure: this.#lastFailure,
      }
    );
  }

  /** Stops watching the client (it is the user's: the store only listened). */
  dispose(): void {
    this.#client.off('ready', this.#onReady);
    this.#client.off('error', this.#onError);
    this.#client.off('node error', this.#onError);
    this.#client.off('end', this.#onEnd);
    this.#wakeAll();
  }

  /** Read through a method: the 'ready' listener may have set it while the caller awaited. */
  #wasEverReady(): boolean {
    return this.#everReady;
  }

  #configFailure(): NotUsable | undefined {
    const failure = this.#lastFailure;
    return failure !== undefined && isConfigFailure(failure)
      ? { state: 'config', status: this.#client.status, failure }
      : undefined;
  }

  #wakeAll(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}
