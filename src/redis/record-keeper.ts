import { refreshCallLimitMs } from '../lifecycle/token-timing.js';
import type { SpendMark, TokenRecord, WriteOutcome } from '../store/token-store.js';

/**
 * How long a record written back after a reconnect counts as possibly being sent: the longest a
 * refresh call of a manager with the default HTTP options can take (the store does not know the
 * managers' options). 52 s.
 */
const RESTORED_SENDING_MS = refreshCallLimitMs({});

/**
 * Remembers, per key, the newest record this process has seen (read, written, or failed to write)
 * and the writes that failed transiently, so that what only this process knows is not lost when
 * Redis is:
 * - a failed write is retried every `retryMs` until it lands or a newer record is stored (the
 *   manager retries too, with its backoff; every write is generation-checked, so twice is harmless),
 *   and a lease released meanwhile keeps the lock until then (see `RedisLease`);
 * - after a reconnect (a restart, maybe without persistence or from an older snapshot; a Sentinel
 *   failover to a replica that lacked writes) the newest records are written again with
 *   `writeIfNewer`: a store that came back older is restored at once, not at the next refresh of
 *   whichever process happens to hold the newest token; one that did not changes nothing.
 * @internal
 */
export class RecordKeeper {
  readonly #write: (key: string, record: TokenRecord) => Promise<WriteOutcome>;
  readonly #retryMs: number;
  readonly #newest = new Map<string, TokenRecord>();
  /** Failed writes, and whether the lock must be kept until they land (see `hasPending`). */
  readonly #pending = new Map<string, { readonly record: TokenRecord; readonly holdLock: boolean }>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(write: (key: string, record: TokenRecord) => Promise<WriteOutcome>, retryMs: number) {
    this.#write = write;
    this.#retryMs = retryMs;
  }

  /** A record read from, or written to, the store. */
  seen(key: string, record: TokenRecord): void {
    const known = this.#newest.get(key);
    if (known === undefined || record.generation >= known.generation) this.#newest.set(key, record);
  }

  /** The record at `generation` was marked refused (a restore must not make it spendable again). */
  refused(key: string, generation: number, mark: SpendMark): void {
    const known = this.#newest.get(key);
    if (known?.generation === generation) this.#newest.set(key, { ...known, spend: mark });
  }

  /** A write's outcome: the store holds `outcome.current`, at least as new as what was written. */
  stored(key: string, outcome: WriteOutcome): void {
    this.seen(key, outcome.current);
    const pending = this.#pending.get(key);
    if (pending !== undefined && outcome.current.generation >= pending.record.generation) {
      this.#pending.delete(key);
      this.#wake(key);
    }
  }

  /**
   * A write that failed: retried when `transient`, given up (it cannot succeed) otherwise.
   * `holdLock`: it may not have reached Redis, so the lock of the key is kept until it lands;
   * `false` when only the replicas' acknowledgement is missing (the master has it).
   */
  failed(key: string, record: TokenRecord, transient: boolean, holdLock: boolean): void {
    this.seen(key, record);
    const pending = this.#pending.get(key);
    if (!transient) {
      if (pending !== undefined && pending.record.generation <= record.generation) {
        this.#pending.delete(key);
        this.#wake(key);
      }
      return;
    }
    if (pending === undefined || record.generation > pending.record.generation) {
      this.#pending.set(key, { record, holdLock });
    } else if (record.generation === pending.record.generation) {
      this.#pending.set(key, { record, holdLock: holdLock && pending.holdLock });
      if (!holdLock) this.#wake(key);
    }
    this.#schedule();
  }

  /** The key's record is gone on purpose (`delete()`): nothing of it is restored. */
  forget(key: string): void {
    this.#newest.delete(key);
    this.#pending.delete(key);
    this.#wake(key);
  }

  /** Whether a write of the key failed before it surely reached Redis, and awaits its retry. */
  hasPending(key: string): boolean {
    return this.#pending.get(key)?.holdLock === true;
  }

  /** Resolves once the key has no write that must land before the lock goes (see `hasPending`), or after `timeoutMs`. */
  whenStored(key: string, timeoutMs: number): Promise<void> {
    if (!this.hasPending(key) || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      waiters.add(done);
    });
  }

  /**
   * After a reconnect: writes every newest record again (generation-checked), a few at a time. A
   * record the store had held is written back marked as possibly being sent (see `SpendMark`):
   * if Redis lost it, it lost the lock too, and a holder whose request is still in flight may
   * answer for it. A refreshed record whose write failed is written as it is: only this process
   * has ever known its refresh token.
   */
  async restoreAll(): Promise<void> {
    const now = Date.now();
    const records = [...this.#newest.entries()].map(([key, record]): [string, TokenRecord] => {
      const unsaved = this.#pending.get(key)?.record.generation === record.generation;
      const { spend } = record;
      if (unsaved || spend?.state === 'refused' || (spend !== undefined && spend.until > now)) return [key, record];
      const restored = { state: 'sending', by: 'restored:reconnect', until: now + RESTORED_SENDING_MS } as const;
      return [key, { token: record.token, generation: record.generation, spend: restored }];
    });
    for (let index = 0; index < records.length && !this.#closed; index += 16) {
      await Promise.all(
        records.slice(index, index + 16).map(([key, record]) => this.#write(key, record).catch(() => undefined)),
      );
    }
  }

  /** Stops retrying and lets every waiting lease go. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const key of [...this.#waiters.keys()]) this.#wake(key);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed || this.#pending.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#retry();
    }, this.#retryMs);
    this.#timer.unref();
  }

  async #retry(): Promise<void> {
    await Promise.all(
      [...this.#pending.entries()].map(([key, { record }]) => this.#write(key, record).catch(() => undefined)),
    );
    this.#schedule();
  }

  #wake(key: string): void {
    const waiters = this.#waiters.get(key);
    this.#waiters.delete(key);
    for (const wake of [...(waiters ?? [])]) wake();
  }
}
