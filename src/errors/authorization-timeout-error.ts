import { TwitchAPIError } from './twitch-api-error.js';

/** No redirect with a code reached the listener before the flow's `timeoutMs` ran out. */
export class AuthorizationTimeoutError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'AuthorizationTimeoutError';
  /** The `timeoutMs` that ran out. */
  readonly timeoutMs: number;
  /** The redirect URI the login waited on. */
  readonly redirectUri: string;

  constructor(details: {
    readonly timeoutMs: number;
    readonly redirectUri: string;
    readonly hint?: string | undefined;
  }) {
    super(
      `No login arrived at ${details.redirectUri} within ${String(Math.round(details.timeoutMs / 1000))} s. ` +
        (details.hint ?? '') +
        `If no browser opened, pass useBrowser: false and onAuthUrl to show the URL yourself; if Twitch showed an ` +
        `error page, check that ${details.redirectUri} is registered exactly at https://dev.twitch.tv/console/apps. ` +
        `Raise the timeoutMs option (0 waits forever) if the user needs longer.`,
    );
    this.timeoutMs = details.timeoutMs;
    this.redirectUri = details.redirectUri;
  }
}
