/** Gives a held {@link KeyedMutex} key to the next waiter. Calling it again does nothing. */
export type Unlock = () => void;

/** How long {@link KeyedMutex.acquire} waits. @internal */
export interface MutexWait {
  /** `Date.now()` after which the wait fails with `timeoutError()`. */
  readonly deadline: number;
  /** Ends the wait early; it rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /** The error a wait past the deadline rejects with. */
  readonly timeoutError: () => Error;
}

interface Waiter {
  readonly grant: () => void;
  readonly fail: (error: unknown) => void;
}

/**
 * One holder per key at a time within this process, first come first served, with waits that end
 * at a deadline or on an abort signal (a waiter that leaves never blocks the ones behind it).
 * Idle keys are forgotten, so memory follows the keys in use, not every key ever seen.
 * @internal
 */
export class KeyedMutex {
  /** The waiters of each held key; an empty list means held with nobody waiting. */
  readonly #queues = new Map<string, Waiter[]>();

  /** Resolves with the key's unlock once this caller holds the key. */
  acquire(key: string, wait: MutexWait): Promise<Unlock> {
    const { signal } = wait;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const queue = this.#queues.get(key);
    if (queue === undefined) {
      this.#queues.set(key, []);
      return Promise.resolve(this.#unlockOf(key));
    }
    return new Promise<Unlock>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = queue.indexOf(waiter);
        if (index !== -1) queue.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve(this.#unlockOf(key));
        },
        fail: (error) => {
          leave();
          // The signal's reason as given (it need not be an Error), as AbortSignal users expect.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      };
      const onAbort = (): void => {
        waiter.fail(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          waiter.fail(wait.timeoutError());
        },
        Math.max(0, wait.deadline - Date.now()),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  #unlockOf(key: string): Unlock {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#queues.get(key)?.[0];
      if (next === undefined) this.#queues.delete(key);
      else next.grant();
    };
  }
}
