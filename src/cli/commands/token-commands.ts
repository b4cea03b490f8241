import { getAppAccessToken } from '../../helpers/get-app-access-token.js';
import { getUserInfo } from '../../helpers/get-user-info.js';
import { refreshAccessToken } from '../../helpers/refresh-access-token.js';
import { revokeToken } from '../../helpers/revoke-token.js';
import { validateToken } from '../../helpers/validate-token.js';
import type { HttpOptions } from '../../http/options.js';
import type { Command, CommandInput } from '../command.js';
import { appCredentials, scopesOption, text, tokenArgument } from '../credentials.js';
import { EXIT } from '../exit-codes.js';
import { checkAppTokenSaveTarget, checkSaveTarget, deliverAppToken, deliverRecord, deliverToken } from '../output.js';

/** `--auth-base-url`, and Ctrl+C, as the helpers take them. */
export function httpOptions(input: CommandInput): HttpOptions {
  const authBaseUrl = text(input.values['auth-base-url']);
  return authBaseUrl === undefined ? { signal: input.signal } : { authBaseUrl, signal: input.signal };
}

/** `twitchapi-oauth refresh`. */
export const refreshCommand: Command = {
  name: 'refresh',
  summary: 'get a new access token for a refresh token',
  usage: 'refresh <refresh-token | ->',
  description: [
    'Gets a new access token for a refresh token. Without a client secret, refreshes as a public client',
    '(device code tokens). Keep the refresh token it prints: a public client’s works only once.',
  ],
  options: {},
  optionHelp: {},
  common: ['client-id', 'client-secret', 'auth-base-url', 'json', 'save', 'help'],
  async run(input, io) {
    const app = await appCredentials(input, io, 'optional');
    const refreshToken = await tokenArgument(input, io, 'refresh token');
    await checkSaveTarget(input);
    const token = await refreshAccessToken(refreshToken, app.appId, app.appSecret ?? null, httpOptions(input));
    return deliverToken(token, input, io);
  },
};

/** `twitchapi-oauth validate`. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'ask Twitch whether an access token is valid, for whom, with which scopes',
  usage: 'validate <access-token | ->',
  description: ['Validates a user or app access token. Exits 1 when Twitch says it is not valid.'],
  options: {},
  optionHelp: {},
  common: ['auth-base-url', 'json', 'help'],
  async run(input, io) {
    const info = await validateToken(await tokenArgument(input, io, 'access token'), httpOptions(input));
    if (!info.valid) {
      if (input.values['json'] === true) deliverRecord({ ...info }, input, io);
      io.stderr(`The token is not valid (${info.message}): refresh it, or log in again.\n`);
      return EXIT.refused;
    }
    const { valid: _, ...details } = info;
    deliverRecord(details, input, io);
    return EXIT.ok;
  },
};

/** `twitchapi-oauth revoke`. */
export const revokeCommand: Command = {
  name: 'revoke',
  summary: 'revoke an access token (and its refresh token)',
  usage: 'revoke <access-token | ->',
  description: ['Revokes a user or app access token. Exits 1 when Twitch did not know the token or the client.'],
  options: {},
  optionHelp: {},
  common: ['client-id', 'auth-base-url', 'json', 'help'],
  async run(input, io) {
    const { appId } = await appCredentials(input, io, 'optional');
    const revoked = await revokeToken(appId, await tokenArgument(input, io, 'access token'), httpOptions(input));
    if (input.values['json'] === true) io.stdout(`${JSON.stringify({ revoked })}\n`);
    if (!revoked) {
      io.stderr('Twitch did not know this token (already revoked or expired) or this client id.\n');
      return EXIT.refused;
    }
    if (input.values['json'] !== true) io.stderr('Revoked.\n');
    return EXIT.ok;
  },
};

/** `twitchapi-oauth app-token`. */
export const appTokenCommand: Command = {
  name: 'app-token',
  summary: 'get an app access token (client credentials)',
  usage: 'app-token [--scopes a,b]',
  description: [
    'Gets an app access token, for API calls made as the app rather than a user. It cannot be refreshed.',
    'With --save FILE it is written there as JSON (mode 0600), readable with AccessToken.fromJSON.',
  ],
  options: { scopes: { type: 'string' } },
  optionHelp: { scopes: 'scopes, comma- or space-separated (most app calls need none)' },
  common: ['client-id', 'client-secret', 'auth-base-url', 'json', 'save', 'help'],
  async run(input, io) {
    const app = await appCredentials(input, io, 'required');
    await checkAppTokenSaveTarget(input);
    const token = await getAppAccessToken(
      app.appId,
      app.appSecret ?? '',
      scopesOption(input.values['scopes']),
      httpOptions(input),
    );
    return deliverAppToken(token, input, io);
  },
};

/** `twitchapi-oauth userinfo`. */
export const userInfoCommand: Command = {
  name: 'userinfo',
  summary: 'show the OpenID Connect user info of an access token (needs the openid scope)',
  usage: 'userinfo <access-token | ->',
  description: ['Shows the user behind a user access token that has the openid scope.'],
  options: {},
  optionHelp: {},
  common: ['auth-base-url', 'json', 'help'],
  async run(input, io) {
    const info = await getUserInfo(await tokenArgument(input, io, 'access token'), httpOptions(input));
    const { claims, ...fields } = info;
    deliverRecord(input.values['json'] === true ? claims : fields, input, io);
    return EXIT.ok;
  },
};
