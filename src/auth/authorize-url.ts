import type { ScopeLike } from '../scopes.js';

/** What goes into Twitch's authorize URL. */
export interface AuthorizeUrlInput {
  /** The identity service's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly clientId: string;
  /** The redirect URI exactly as registered: no slash is added or removed. */
  readonly redirectUri: string;
  readonly scopes: readonly ScopeLike[];
  readonly forceVerify: boolean;
  readonly state: string;
}

/**
 * Builds `GET /authorize?client_id=…&redirect_uri=…&response_type=code&scope=…&force_verify=…&state=…`.
 * Scopes are space-delimited, then form-encoded (`chat%3Aread+chat%3Aedit`), as Twitch accepts.
 */
export function buildAuthorizeUrl(input: AuthorizeUrlInput): string {
  const query = new URLSearchParams({
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
    response_type: 'code',
    scope: input.scopes.join(' '),
    force_verify: String(input.forceVerify),
    state: input.state,
  });
  return `${input.baseUrl}/authorize?${query.toString()}`;
}
