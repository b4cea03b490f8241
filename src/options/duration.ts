/**
 * The longest delay Node's timers honour: a longer one fires after about 1 ms, so a duration
 * option above it would silently mean "at once". @internal
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Bounds of a duration option, in milliseconds. @internal */
export interface DurationRange {
  /** The smallest value allowed. Default: `0`. */
  readonly min?: number;
  /** The largest value allowed. Default: {@link MAX_TIMER_DELAY_MS}, about 24.8 days. */
  readonly max?: number;
}

/**
 * Checks a duration option: a whole number of milliseconds within the range, or a `TypeError`
 * that names the option and gives the allowed range. Every option that becomes a timer delay goes
 * through here, so none can overflow Node's timers. @internal
 */
export function checkDuration(name: string, value: number, range: DurationRange = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? MAX_TIMER_DELAY_MS;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(
      `The ${name} option must be a whole number of milliseconds from ${String(min)} to ${String(max)}; ` +
        `got ${String(value)}.`,
    );
  }
  return value;
}
