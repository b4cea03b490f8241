import type { Clock } from '../manager/clock.js';

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told: pass it to a `TokenManager` (`clock`) and to the fake Twitch
 * (`now: () => clock.now()`) to run a simulated day in milliseconds.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const fake = await startFakeTwitch({ now: () => clock.now() });
 * const manager = new TokenManager(app, token, { clock, authBaseUrl: fake.authBaseUrl }).start();
 * await clock.advance(60 * 60 * 1000, () => manager.settled()); // one hour
 * ```
 *
 * A refresh that must wait for another holder's answer (a record marked `sending` by another
 * manager sharing the store, or restored after a data loss, while the caller needs a new token now:
 * `refresh()`, or an expired token) waits on this clock's timers: a `settle` that awaits such a
 * refresh would wait forever inside `advance()`. Move time in steps instead (e.g. `advance(250)` in
 * a loop, yielding to real I/O between steps) until the refresh settles. Timed refreshes do not
 * wait: they defer to the mark's deadline.
 */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  readonly #timers = new Set<PendingTimer>();

  /** @param start - The starting time in epoch ms. Default: the real time now. */
  constructor(start: number = Date.now()) {
    this.#now = start;
  }

  /** The clock's current time, in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Like the system clock's; `keepAlive` means nothing here, since no real timer is armed. */
  setTimer(callback: () => void, delayMs: number, _keepAlive?: boolean): () => void {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /** When the next timer falls due, in epoch ms; `undefined` when none waits. */
  get nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const timer of this.#timers) if (next === undefined || timer.at < next) next = timer.at;
    return next;
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order. After each
   * timer, `settle` (e.g. `() => manager.settled()`) is awaited, so that work started by the timer
   * (real HTTP included) completes before time moves on.
   */
  async advance(ms: number, settle: () => Promise<unknown> = () => Promise.resolve()): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance() moves forward only; got ${String(ms)} ms.`);
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers]
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await settle();
    }
    this.#now = end;
  }

  /** Jumps forward by `ms` without firing anything, as a machine that slept; timers fire on the next `advance`. */
  jump(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.jump() moves forward only; got ${String(ms)} ms.`);
    this.#now += ms;
  }
}
