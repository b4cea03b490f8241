import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/** What a {@link TwitchBackendError} knows besides the common details. */
export interface TwitchBackendErrorDetails extends TwitchAPIErrorDetails {
  /** How many times the call was tried. */
  readonly attempts: number;
}

/**
 * Twitch's identity service kept failing (5xx) after every retry. This is on Twitch's side and
 * usually passes: try again later. Transient.
 *
 * Python: `twitchAPI.type.TwitchBackendException`.
 */
export class TwitchBackendError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'TwitchBackendError';
  override readonly transient: boolean = true;
  /** How many times the call was tried. */
  readonly attempts: number;

  constructor(details: TwitchBackendErrorDetails) {
    super(
      `Twitch's identity service failed (${describeAnswer(details)}) on ${attemptsText(details.attempts)}. ` +
        `The fault is on Twitch's side and usually passes: try again in a minute ` +
        `(https://devstatus.twitch.tv shows outages).`,
      details,
    );
    this.attempts = details.attempts;
  }
}

/** `1 attempt`, `3 attempts`. @internal */
export function attemptsText(attempts: number): string {
  return attempts === 1 ? 'the only attempt' : `each of ${String(attempts)} attempts`;
}
