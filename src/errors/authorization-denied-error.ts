import { AuthorizationError, type AuthorizationErrorDetails } from './authorization-error.js';

/**
 * The user clicked Cancel on Twitch's consent page (`error=access_denied`). Ask them again only if
 * they want to: the app gets nothing without their consent.
 */
export class AuthorizationDeniedError extends AuthorizationError {
  /** @hidden */
  override readonly name: string = 'AuthorizationDeniedError';

  constructor(details: Omit<AuthorizationErrorDetails, 'error'>) {
    super(
      { error: 'access_denied', description: details.description },
      `The user did not authorize the app on Twitch (${JSON.stringify(details.description ?? 'access_denied')}). ` +
        `Nothing was granted; run the authorization again if they change their mind.`,
    );
  }
}
