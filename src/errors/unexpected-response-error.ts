import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/** What an {@link UnexpectedResponseError} knows besides the common details. */
export interface UnexpectedResponseErrorDetails extends TwitchAPIErrorDetails {
  /** What was wrong with the body, e.g. `an HTML page` or `access_token: expected string`. */
  readonly problem: string;
}

/**
 * Twitch's answer could not be understood: an empty body where data was due, an HTML page (from a
 * proxy or a captive portal), malformed JSON, or JSON of the wrong shape. The body itself is not
 * kept, since it may hold a token.
 */
export class UnexpectedResponseError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'UnexpectedResponseError';
  /** What was wrong with the body. */
  readonly problem: string;

  constructor(details: UnexpectedResponseErrorDetails) {
    super(
      `Twitch's answer (${describeAnswer(details)}) could not be read: ${details.problem}. ` +
        `If a proxy or captive portal sits between this machine and Twitch, check it; if authBaseUrl ` +
        `points elsewhere than Twitch, check that server. Otherwise report this at the project's issue tracker.`,
      details,
    );
    this.problem = details.problem;
  }
}
