import { MissingScopeError } from '../errors/missing-scope-error.js';

/**
 * twurple asked for a user's token with scopes it does not carry (none of one set of
 * alternatives). A token cannot gain scopes: log the user in again asking for one of them, and give
 * the new token to the pool.
 */
export class ScopesNotGrantedError extends MissingScopeError {
  /** @hidden */
  override readonly name: string = 'ScopesNotGrantedError';
  /** The user whose token lacks the scopes. */
  readonly userId: string;

  constructor(userId: string, alternatives: readonly string[]) {
    super(alternatives);
    this.userId = userId;
    this.message =
      `The token of user ${userId} carries none of the scopes asked for (${alternatives.join(' or ')}). A token ` +
      'cannot gain scopes: log the user in again asking for one of them, and give the new token to the pool.';
  }
}
