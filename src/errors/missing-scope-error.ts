import { TwitchAPIError } from './twitch-api-error.js';

/**
 * The token no longer carries every scope it was granted (Twitch's validation says so). Calls
 * that need those scopes will fail; ask the user to log in again to grant them.
 *
 * Python: `twitchAPI.type.MissingScopeException`.
 */
export class MissingScopeError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'MissingScopeError';
  /** The scopes that are missing. */
  readonly missingScopes: readonly string[];

  constructor(missingScopes: readonly string[]) {
    super(
      `The token lacks scopes it should have: ${missingScopes.join(', ')}. Calls that need them will fail; ` +
        `ask the user to log in again to grant them.`,
    );
    this.missingScopes = missingScopes;
  }
}
