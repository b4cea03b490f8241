import { CodeExchangeError } from '../errors/code-exchange-error.js';
import { InvalidRefreshTokenError } from '../errors/invalid-refresh-token-error.js';
import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from '../errors/twitch-api-error.js';
import { UnauthorizedError } from '../errors/unauthorized-error.js';
import { callTwitch, type TwitchReply } from '../http/client.js';
import type { HttpOptions } from '../http/options.js';
import type { AccessToken } from '../tokens/access-token.js';
import type { UserToken } from '../tokens/user-token.js';
import { loadWire } from '../wire/load-wire.js';

/** The grants this library sends to `POST /token`. @internal */
export type TokenGrant = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'device_code';

/** A `POST /token` form: `grant_type` plus the grant's fields. @internal */
export type TokenForm = Readonly<Record<string, string | undefined>> & { readonly grant_type: string };

/** Sends a user grant to `POST /token` and returns the user token, or throws a typed refusal. @internal */
export async function requestUserToken(grant: TokenGrant, form: TokenForm, options?: HttpOptions): Promise<UserToken> {
  // An authorization code works once, and so does a public client's (secret-less) refresh token.
  const idempotent = grant === 'refresh_token' && form['client_secret'] !== undefined;
  const reply = await callTwitch({ method: 'POST', path: '/token', form, idempotent }, options);
  const wire = await loadWire();
  if (reply.status !== 200) throw await tokenRefusal(reply, grant);
  return wire.toUserToken(wire.decodeReply(reply, wire.userTokenResponseSchema), reply.sentAt);
}

/** Sends the client-credentials grant to `POST /token`. @internal */
export async function requestAccessToken(form: TokenForm, options?: HttpOptions): Promise<AccessToken> {
  const reply = await callTwitch({ method: 'POST', path: '/token', form }, options);
  const wire = await loadWire();
  if (reply.status !== 200) throw await tokenRefusal(reply, 'client_credentials');
  return wire.toAccessToken(wire.decodeReply(reply, wire.accessTokenResponseSchema), reply.sentAt);
}

/**
 * The error for a refused `POST /token`. Refused credentials (401, 403, or 400 "invalid client")
 * are an `UnauthorizedError` whatever the grant; any other 400 on a refresh means the refresh
 * token is dead, as the Python original treats it. @internal
 */
export async function tokenRefusal(reply: TwitchReply, grant: TokenGrant): Promise<TwitchAPIError> {
  const details = await refusalDetails(reply);
  const message = details.twitchMessage ?? '';
  // Checked first: a public client's exchange is refused with 400 "invalid client secret". An
  // unknown client id ("invalid client") is a credentials problem, as for every grant.
  if (grant === 'authorization_code' && reply.status === 400 && !/^invalid client$/i.test(message)) {
    return new CodeExchangeError(details);
  }
  if (reply.status === 401 || reply.status === 403 || /invalid client/i.test(message)) {
    return new UnauthorizedError(details);
  }
  if (grant === 'refresh_token' && reply.status === 400) return new InvalidRefreshTokenError(details);
  return refusedRequest(details);
}

/** The status, Twitch's message and the endpoint of a refused call. @internal */
export async function refusalDetails(reply: TwitchReply): Promise<TwitchAPIErrorDetails> {
  const { twitchMessageOf } = await loadWire();
  return { status: reply.status, twitchMessage: twitchMessageOf(reply.body), endpoint: reply.endpoint };
}

/** The error for a refusal no more specific error describes. @internal */
export function refusedRequest(details: TwitchAPIErrorDetails): TwitchAPIError {
  return new TwitchAPIError(
    `Twitch refused the request (${describeAnswer(details)}). Check the arguments against ` +
      `https://dev.twitch.tv/docs/authentication and Twitch's message.`,
    details,
  );
}
