import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './client-watch.js';
import { isConfigFailure, readFailure, type RedisFailure } from './redis-failure.js';

/**
 * The store's one pub/sub connection (a duplicate of the client given to it), subscribed by
 * pattern to every events channel under the prefix. On a cluster it is a regular subscription:
 * Redis Cluster forwards `PUBLISH` to every node, and a pattern (one subscription for every token)
 * has no sharded equivalent. Lock waiters are woken by the release's message; each channel's
 * messages are counted, so a release that lands between a failed lock attempt and the wait still
 * wakes the waiter at once. Polling is the fallback when a message is lost. @internal
 */
export class WakeUps {
  readonly #client: RedisClient;
  readonly #pattern: string;
  readonly #isEvents: (channel: string) => boolean;
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #messages = new Map<string, number>();
  #closed = false;

  constructor(client: RedisClient, pattern: string, isEvents: (channel: string) => boolean) {
    this.#client = client;
    this.#pattern = pattern;
    this.#isEvents = isEvents;
  }

  /**
   * Waits until the subscription is in place, for `timeoutMs` at most (polling still works
   * without it). Resolves with a failure no retry cures (the ACL refuses the channels), else
   * `undefined`; a subscription that failed otherwise is tried again on the next call.
   */
  async listen(timeoutMs: number): Promise<RedisFailure | undefined> {
    if (this.#closed) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.#subscribe().then(
        () => undefined,
        (error: unknown) => {
          const failure = readFailure(error);
          return isConfigFailure(failure) ? failure : undefined;
        },
      ),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => {
          resolve(undefined);
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return outcome;
  }

  /** How many messages the channel has had; pass it to {@link wait}. */
  seen(channel: string): number {
    return this.#messages.get(channel) ?? 0;
  }

  /**
   * Resolves when the channel speaks (at once if it spoke since `seen`), after `ms`, or when the
   * signal aborts.
   */
  async wait(channel: string, seen: number, ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.seen(channel) !== seen || signal?.aborted === true) return;
    await new Promise<void>((resolve) => {
      let waiters = this.#waiters.get(channel);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(channel, waiters);
      }
      const wake = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(channel) === waiters) this.#waiters.delete(channel);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      signal?.addEventListener('abort', wake, { once: true });
      waiters.add(wake);
    });
  }

  /** Closes the pub/sub connection and wakes every waiter. */
  async close(): Promise<void> {
    this.#closed = true;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    for (const waiters of [...this.#waiters.values()]) for (const wake of [...waiters]) wake();
    if (subscriber !== undefined) {
      await subscriber.quit().catch(() => {
        subscriber.disconnect();
      });
      subscriber.disconnect();
    }
  }

  /** One subscription for every key; every caller awaits the same one. */
  #subscribe(): Promise<void> {
    this.#subscribed ??= this.#open().catch((error: unknown) => {
      this.#subscribed = undefined;
      throw error;
    });
    return this.#subscribed;
  }

  async #open(): Promise<void> {
    const subscriber = this.#client.isCluster
      ? (this.#client as Cluster).duplicate()
      : (this.#client as Redis).duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined); // the main client's commands report outages
    subscriber.on('pmessage', (_pattern: string, channel: string) => {
      if (!this.#isEvents(channel)) return;
      this.#messages.set(channel, this.seen(channel) + 1);
      for (const wake of [...(this.#waiters.get(channel) ?? [])]) wake();
    });
    try {
      // Both client kinds have it; the union of their overloads is not callable as such.
      await (subscriber as Redis).psubscribe(this.#pattern);
      if (this.#closed) subscriber.disconnect();
    } catch (error) {
      subscriber.disconnect();
      if (this.#subscriber === subscriber) this.#subscriber = undefined;
      throw error;
    }
  }
}
