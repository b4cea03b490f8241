import { TwitchAPIError } from './twitch-api-error.js';

/** No redirect with a code reached the listener before the flow's `timeoutMs` ran out. */
export class AuthorizationTimeoutError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'AuthorizationTimeoutError';
  /** The `timeoutMs` that ran out. */
  readonly timeoutMs: number;
  /** The redirect URI the login waited on. */
  readonly redirectUri: string;
  /** The addresses the listener was bound to (the `host` option); `undefined` when it had none (server mode). */
  readonly boundTo: readonly string[] | undefined;

  constructor(details: {
    readonly timeoutMs: number;
    readonly redirectUri: string;
    readonly boundTo?: readonly string[] | undefined;
    readonly hint?: string | undefined;
  }) {
    super(
      `No login arrived at ${details.redirectUri} within ${String(Math.round(details.timeoutMs / 1000))} s. ` +
        (details.hint ?? '') +
        listenerHint(details.boundTo) +
        `If no browser opened, pass useBrowser: false and onAuthUrl to show the URL yourself; if Twitch showed an ` +
        `error page, check that ${details.redirectUri} is registered exactly at https://dev.twitch.tv/console/apps. ` +
        `Raise the timeoutMs option (0 waits forever) if the user needs longer.`,
    );
    this.timeoutMs = details.timeoutMs;
    this.redirectUri = details.redirectUri;
    this.boundTo = details.boundTo === undefined ? undefined : Object.freeze([...details.boundTo]);
  }
}

/**
 * Loopback is the one default that differs from the Python original (it bound 0.0.0.0): a browser
 * in another container or on another machine never reaches it, and the login only times out.
 */
function listenerHint(boundTo: readonly string[] | undefined): string {
  if (boundTo === undefined) return '';
  const loopbackOnly = boundTo.every((address) => address === '::1' || address.startsWith('127.'));
  return (
    `The listener was bound to ${boundTo.join(' and ')} (the host option)` +
    (loopbackOnly
      ? ': only a browser on this machine reaches it. In Docker or behind a proxy, set host (e.g. ' +
        "'0.0.0.0') and publish the port. "
      : '. ')
  );
}
