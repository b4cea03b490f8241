/**
 * The time source and timer of a `TokenManager`. The default is the system clock; tests (yours
 * too) can pass `ManualClock` from `twitchapi-oauth/testing` to move time by hand.
 */
export interface Clock {
  /** The current time in epoch milliseconds. */
  now(): number;
  /**
   * Calls `callback` after `delayMs`. Returns a function that cancels it. The timer must not keep
   * the process alive unless `keepAlive` is true (a wait that someone awaits, such as a device
   * login's polling, must; a background refresh must not).
   */
  setTimer(callback: () => void, delayMs: number, keepAlive?: boolean): () => void;
}

/** `Date.now()` and `setTimeout`, unref'd unless asked to keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs, keepAlive = false) {
    const timer = setTimeout(callback, delayMs);
    if (!keepAlive) timer.unref();
    return () => {
      clearTimeout(timer);
    };
  },
};
