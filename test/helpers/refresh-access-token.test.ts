import { describe, expect, it } from 'vitest';
import {
  InvalidRefreshTokenError,
  refreshAccessToken,
  UnauthorizedError,
  UserToken,
  validateToken,
  VERSION,
} from '../../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP } from '../../src/testing/index.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from '../support/fake.js';

const secret = DEMO_APP.clientSecret ?? '';

describe('refreshAccessToken', () => {
  const twitch = useFakeTwitch();

  it('gets a new access token for a confidential client, sent as Twitch expects', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken({ scopes: ['chat:read', 'chat:edit'] });

    const token = await refreshAccessToken(login.refreshToken, DEMO_APP.clientId, secret, options);

    expect(token).toBeInstanceOf(UserToken);
    expect(token.accessToken).not.toBe(login.accessToken);
    expect(token.scopes).toEqual(['chat:read', 'chat:edit']);
    expect(token.expiresIn).toBe(14_124);
    expect(token.tokenType).toBe('bearer');
    expect(await validateToken(token.accessToken, options)).toMatchObject({ valid: true, login: 'twitchdev' });

    const [request] = fake.requestsTo('/token');
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth2/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['user-agent']).toBe(`twitchapi-oauth/${VERSION}`);
    expect(request?.form).toEqual({
      client_id: DEMO_APP.clientId,
      client_secret: secret,
      grant_type: 'refresh_token',
      refresh_token: login.refreshToken,
    });
  });

  it('destructures like the Python original: [accessToken, refreshToken]', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken();
    const [accessToken, refreshToken] = await refreshAccessToken(
      login.refreshToken,
      DEMO_APP.clientId,
      secret,
      options,
    );
    expect(accessToken).toMatch(/^[a-z0-9]{30}$/);
    expect(refreshToken).toBe(login.refreshToken); // Twitch keeps a confidential client's refresh token
  });

  it('counts the lifetime from when the request was sent', async () => {
    const { fake, options } = twitch;
    const before = Date.now();
    const token = await refreshAccessToken(fake.issueUserToken().refreshToken, DEMO_APP.clientId, secret, options);
    expect(token.obtainedAt).toBeGreaterThanOrEqual(before);
    expect(token.obtainedAt).toBeLessThanOrEqual(Date.now());
  });

  it('refreshes a public client without a secret, spending each one-time refresh token once', async () => {
    const { fake, options } = twitch;
    let { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    const spent: string[] = [];
    for (let cycle = 0; cycle < 5; cycle++) {
      spent.push(refreshToken);
      ({ refreshToken } = await refreshAccessToken(refreshToken, DEMO_PUBLIC_APP.clientId, options));
    }
    expect(new Set([...spent, refreshToken]).size).toBe(6);
    for (const request of fake.requestsTo('/token')) expect(request.form).not.toHaveProperty('client_secret');

    // An explicit `undefined` secret is a public client too, and a spent token is refused.
    const error = await rejectionOf(refreshAccessToken(spent[0] ?? '', DEMO_PUBLIC_APP.clientId, undefined, options));
    expect(error).toBeInstanceOf(InvalidRefreshTokenError);
  });

  it('throws InvalidRefreshTokenError for a refused refresh token, once, without retrying', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken();
    fake.identity.revokeRefreshToken(login.refreshToken);

    const error = await rejectionOf(refreshAccessToken(login.refreshToken, DEMO_APP.clientId, secret, options));

    expect(error).toBeInstanceOf(InvalidRefreshTokenError);
    expect(error).toMatchObject({
      name: 'InvalidRefreshTokenError',
      status: 400,
      twitchMessage: 'Invalid refresh token',
      endpoint: 'POST /token',
      transient: false,
    });
    expect(String(error)).toMatch(/authorization flow again/);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expectNoSecretsIn(error, [secret, login.refreshToken]);
  });

  it('throws UnauthorizedError for a wrong secret (403) or unknown client (400), without retrying', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken();

    const wrongSecret = await rejectionOf(
      refreshAccessToken(login.refreshToken, DEMO_APP.clientId, 'wrongsecret', options),
    );
    expect(wrongSecret).toBeInstanceOf(UnauthorizedError);
    expect(wrongSecret).toMatchObject({ status: 403, twitchMessage: 'invalid client secret', transient: false });
    expect(String(wrongSecret)).toMatch(/dev\.twitch\.tv\/console/);

    const unknownClient = await rejectionOf(refreshAccessToken(login.refreshToken, 'nosuchclient', secret, options));
    expect(unknownClient).toBeInstanceOf(UnauthorizedError);
    expect(unknownClient).toMatchObject({ status: 400, twitchMessage: 'invalid client' });

    expect(fake.requestsTo('/token')).toHaveLength(2);
    expectNoSecretsIn(wrongSecret, ['wrongsecret', login.refreshToken]);
  });

  it('throws UnauthorizedError for a 401, as the facts file documents it, without retrying', async () => {
    const { fake, options } = twitch;
    fake.injectFault({ endpoint: '/token', status: 401, body: '{"status":401,"message":"invalid client"}' });
    const error = await rejectionOf(refreshAccessToken('sometoken', DEMO_APP.clientId, secret, options));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ status: 401 });
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('accepts scope as Twitch sends it: an array, a space-delimited string, null or absent', async () => {
    const { fake, options } = twitch;
    const body = (scope: unknown): string =>
      JSON.stringify({
        access_token: 'a'.repeat(30),
        expires_in: 100,
        refresh_token: 'r'.repeat(50),
        scope,
        token_type: 'bearer',
      });
    const cases: [unknown, string[]][] = [
      [['chat:read'], ['chat:read']],
      ['chat:read chat:edit', ['chat:read', 'chat:edit']],
      [null, []],
      [undefined, []],
    ];
    for (const [scope, expected] of cases) {
      fake.injectFault({ endpoint: '/token', status: 200, body: body(scope) });
      const token = await refreshAccessToken('sometoken', DEMO_APP.clientId, secret, options);
      expect(token.scopes).toEqual(expected);
    }
  });

  it('takes the options as third argument for a public client', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    const token = await refreshAccessToken(login.refreshToken, DEMO_PUBLIC_APP.clientId, options);
    expect(token.refreshToken).not.toBe(login.refreshToken);
  });

  it('rejects empty or malformed arguments before sending anything', async () => {
    const { fake, options } = twitch;
    await expect(refreshAccessToken('', DEMO_APP.clientId, secret, options)).rejects.toThrow(
      /refreshToken must be a non-empty string/,
    );
    await expect(refreshAccessToken('tok', '', secret, options)).rejects.toThrow(/appId/);
    await expect(refreshAccessToken('tok\r\nX-Injected: 1', DEMO_APP.clientId, secret, options)).rejects.toThrow(
      TypeError,
    );
    await expect(refreshAccessToken('tok', DEMO_APP.clientId, '', options)).rejects.toThrow(/appSecret/);
    expect(fake.requests).toHaveLength(0);
  });
});
