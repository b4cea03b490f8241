import { AuthorizationError } from './authorization-error.js';

/**
 * Twitch refused the redirect URI (`error=redirect_mismatch`): the `url` is not registered for the
 * app, character for character (scheme, host, port, path, trailing slash).
 */
export class RedirectMismatchError extends AuthorizationError {
  /** @hidden */
  override readonly name: string = 'RedirectMismatchError';
  /** The redirect URI that Twitch refused: register exactly this one. */
  readonly redirectUri: string;

  constructor(details: { readonly redirectUri: string; readonly description?: string | undefined }) {
    super(
      { error: 'redirect_mismatch', description: details.description },
      `Twitch refused the redirect URI ${JSON.stringify(details.redirectUri)}: it is not registered for this app. ` +
        `Add exactly ${details.redirectUri} as an OAuth Redirect URL at https://dev.twitch.tv/console/apps ` +
        `(Twitch compares it character for character: no slash added or removed), or pass the registered one as the url option.`,
    );
    this.redirectUri = details.redirectUri;
  }
}
