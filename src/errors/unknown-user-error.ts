import { TwitchAPIError } from './twitch-api-error.js';

/**
 * A `TokenPool` holds no token for the user (or no user for the intent) asked for: add it with
 * `pool.addUser(token)`, or start the pool to load the users its store holds.
 */
export class UnknownUserError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'UnknownUserError';
  /** The user id asked for, when a user was asked for. */
  readonly userId: string | undefined;
  /** The intent asked for, when an intent was asked for. */
  readonly intent: string | undefined;

  constructor(lookup: { readonly userId: string } | { readonly intent: string }) {
    const what = 'userId' in lookup ? `the user ${lookup.userId}` : `a user with the intent "${lookup.intent}"`;
    super(
      `The token pool holds no token for ${what}. Add one with pool.addUser(token${
        'intent' in lookup ? `, { intents: ['${lookup.intent}'] }` : ''
      }), or await pool.start() to load the users its store holds.`,
    );
    this.userId = 'userId' in lookup ? lookup.userId : undefined;
    this.intent = 'intent' in lookup ? lookup.intent : undefined;
  }
}
