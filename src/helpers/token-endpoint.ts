import { CodeExchangeError } from '../errors/code-exchange-error.js';
import { EndpointNotFoundError } from '../errors/endpoint-not-found-error.js';
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
  if (grant === 'refresh_token') {
    // The refresh token sent is spent now (a public client's certainly): the answer is refused only
    // when a token in it could not be sent at all (see refreshTokenResponseSchema).
    const decoded = wire.decodeReply(
      reply,
      wire.refreshTokenResponseSchema,
      'The refresh token that was sent may be spent now: if the next refresh is refused, log the user in again.',
    );
    return wire.toUserToken(decoded, reply.sentAt);
  }
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
 * The error for a refused `POST /token`. A missing endpoint comes first; refused credentials (401,
 * 403, or a 400 saying the client is invalid) are an `UnauthorizedError` whatever the grant; any
 * other 400 on a refresh means the refresh token is dead, as the Python original treats it. @internal
 */
export async function tokenRefusal(reply: TwitchReply, grant: TokenGrant): Promise<TwitchAPIError> {
  const details = await refusalDetails(reply);
  if (details.endpointMissing) return new EndpointNotFoundError(details);
  const message = details.twitchMessage ?? '';
  // Checked first: a public client's exchange is refused with 400 "invalid client secret". An
  // unknown client id ("invalid client") is a credentials problem, as for every grant.
  if (grant === 'authorization_code' && reply.status === 400 && !/^invalid client$/i.test(message)) {
    return new CodeExchangeError(details);
  }
  if (reply.status === 401 || reply.status === 403 || refusesCredentials(message)) {
    return new UnauthorizedError(details);
  }
  if (grant === 'refresh_token' && reply.status === 400) return new InvalidRefreshTokenError(details);
  return refusedRequest(details);
}

/** What a refused call's errors are built from. @internal */
export interface RefusalDetails extends TwitchAPIErrorDetails {
  /** The base URL of the call. */
  readonly baseUrl: string;
  /** A 404 without Twitch's JSON error body: the server behind the base URL lacks the endpoint. */
  readonly endpointMissing: boolean;
}

/**
 * The status, Twitch's message (secrets sent by the call taken out) and the endpoint of a refused
 * call, and whether the endpoint is missing. @internal
 */
export async function refusalDetails(reply: TwitchReply): Promise<RefusalDetails> {
  const { twitchMessageOf } = await loadWire();
  const twitchMessage = twitchMessageOf(reply.body, reply.redact);
  return {
    status: reply.status,
    twitchMessage,
    endpoint: reply.endpoint,
    baseUrl: reply.baseUrl,
    // Twitch's own 404s carry its JSON body ("client does not exist"); a bare "not found" is a
    // router's answer (the twitch CLI mock's plain-text `404 page not found`, the fake's 404).
    endpointMissing:
      reply.status === 404 && (twitchMessage === undefined || /^(404 )?(page )?not found\.?$/i.test(twitchMessage)),
  };
}

/**
 * The error for a refusal no more specific error describes: a missing endpoint, refused
 * credentials (by message: the twitch CLI mock says `400 "Client ID/Secret invalid"`), or a plain
 * `TwitchAPIError`. @internal
 */
export function refusedRequest(details: TwitchAPIErrorDetails & Partial<RefusalDetails>): TwitchAPIError {
  if (details.endpointMissing === true && details.baseUrl !== undefined) {
    return new EndpointNotFoundError({ ...details, baseUrl: details.baseUrl });
  }
  if (refusesCredentials(details.twitchMessage ?? '')) return new UnauthorizedError(details);
  return new TwitchAPIError(
    `Twitch refused the request (${describeAnswer(details)}). Check the arguments against ` +
      `https://dev.twitch.tv/docs/authentication and Twitch's message.`,
    details,
  );
}

/**
 * Whether a message refuses the app's credentials: Twitch's `invalid client` and `invalid client
 * secret`, the twitch CLI mock's `Client ID/Secret invalid`.
 */
function refusesCredentials(message: string): boolean {
  return /invalid client|client id\/secret invalid/i.test(message);
}
