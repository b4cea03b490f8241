/**
 * The time source and timer of a `TokenManager`. The default is the system clock; tests (yours
 * too) can pass `ManualClock` from `twitchapi-oauth/testing` to move time by hand.
 */
export interface Clock {
  /** The current time in epoch milliseconds. */
  now(): number;
  /**
   * Calls `callback` after `delayMs`. The timer must not keep the process alive. Returns a
   * function that cancels it.
   */
  setTimer(callback: () => void, delayMs: number): () => void;
}

/** `Date.now()` and an unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return () => {
      clearTimeout(timer);
    };
  },
};
