import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EndpointNotFoundError,
  exchangeCode,
  getAppAccessToken,
  getUserInfo,
  InvalidRefreshTokenError,
  MAX_EXPIRES_IN_SECONDS,
  refreshAccessToken,
  revokeToken,
  TwitchAPIError,
  UnauthorizedError,
  UnexpectedResponseError,
  UserAuthenticator,
  UserToken,
  validateToken,
  type HttpOptions,
} from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, DEMO_USER } from '../src/testing/index.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from './support/fake.js';

const secret = DEMO_APP.clientSecret ?? '';

/** A token answer as Twitch shapes it, with fields replaced. */
function tokenBody(fields: Record<string, unknown>, raw: Record<string, string> = {}): string {
  const base = {
    access_token: 'accesstoken0123456789abcdefghij',
    expires_in: 14_124,
    refresh_token: 'refreshtoken0123456789abcdefghijklmnopqrstuvwxyz0123',
    scope: ['chat:read'],
    token_type: 'bearer',
    ...fields,
  };
  let text = JSON.stringify(base);
  // Values JSON.stringify cannot write (1e999 is read back as Infinity).
  for (const [name, value] of Object.entries(raw)) text = text.replace(`"${name}":"RAW"`, `"${name}":${value}`);
  return text;
}

describe('tokens received with characters no token has', () => {
  // Injected: a 200 token answer whose access or refresh token holds CR/LF, NUL, a space or
  // non-ASCII characters. Counted: answers accepted that should not be, tokens lost that should not
  // be (a refresh answer refused although its tokens could be sent), values quoted in errors.
  const twitch = useFakeTwitch();
  const badValues: [string, string][] = [
    ['CR/LF (a header injection)', 'abc\r\nSet-Cookie: stolen=1'],
    ['NUL', 'abc\u0000def0123456789'],
    ['a space', 'abc def0123456789'],
    ['a character above U+00FF', 'abc\u0100def0123456789'],
    ['a Latin-1 letter', 'abc\u00e9def0123456789'],
  ];

  for (const [what, value] of badValues) {
    it(`refuses an app token with ${what}, naming the field, never the value`, async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/token', status: 200, body: tokenBody({ access_token: value }) });
      const error = await rejectionOf(getAppAccessToken(DEMO_APP.clientId, secret, [], options));
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as UnexpectedResponseError).problem).toMatch(
        /access_token: contains characters no Twitch token has/,
      );
      expectNoSecretsIn(error, [value.slice(0, 8), secret]);
    });

    it(`refuses a code exchange answer whose refresh token has ${what}`, async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/token', status: 200, body: tokenBody({ refresh_token: value }) });
      const error = await rejectionOf(
        exchangeCode(DEMO_APP.clientId, secret, 'somecode0123456789', 'http://localhost:17563', options),
      );
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as UnexpectedResponseError).problem).toMatch(/refresh_token:/);
    });
  }

  it('keeps a refresh answer whose tokens are odd but sendable (Latin-1): its refresh token was spent for it', async () => {
    const { fake, options } = twitch;
    const { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    const odd = 'r\u00e9fresh0123456789abcdefghij';
    fake.injectFault({
      endpoint: '/token',
      status: 200,
      body: tokenBody({ refresh_token: odd, access_token: 'acc\u00e8s012345' }),
    });
    const token = await refreshAccessToken(refreshToken, DEMO_PUBLIC_APP.clientId, null, options);
    expect(token.refreshToken).toBe(odd);
    // It can be handed back: the library's own arguments take it, and it reaches Twitch as it came.
    fake.clearRecords();
    expect(
      await rejectionOf(refreshAccessToken(token.refreshToken, DEMO_PUBLIC_APP.clientId, null, options)),
    ).toBeInstanceOf(InvalidRefreshTokenError);
    expect(fake.requestsTo('/token')[0]?.form['refresh_token']).toBe(odd);
  });

  for (const [what, value] of badValues.slice(0, 4)) {
    it(`refuses a refresh answer with ${what}, saying the spent refresh token may be gone`, async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/token', status: 200, body: tokenBody({ access_token: value }) });
      const error = await rejectionOf(refreshAccessToken('somerefreshtoken0123', DEMO_APP.clientId, secret, options));
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect(String(error)).toMatch(/cannot be sent back to Twitch/);
      expect(String(error)).toMatch(/may be spent now: if the next refresh is refused, log the user in again/);
      expectNoSecretsIn(error, [value.slice(0, 8), secret]);
    });
  }
});

describe('lifetimes that must not be believed', () => {
  // Injected: expires_in of 1e13, 1e308, 1e999 (Infinity), -5 and 0 in a refresh answer, and a
  // negative one from /validate. Counted: refresh answers lost (refused after the refresh token was
  // spent), expiries that are not valid dates.
  const twitch = useFakeTwitch();
  const lifetimes: [string, string, number][] = [
    ['1e13', '1e13', MAX_EXPIRES_IN_SECONDS],
    ['1e308', '1e308', MAX_EXPIRES_IN_SECONDS],
    ['1e999 (Infinity)', '1e999', MAX_EXPIRES_IN_SECONDS],
    ['-5', '-5', 0],
    ['0', '0', 0],
  ];
  for (const [what, raw, expected] of lifetimes) {
    it(`keeps a refresh answer with expires_in ${what}, clamped to ${String(expected)}`, async () => {
      const { fake, options } = twitch;
      const { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
      fake.injectFault({
        endpoint: '/token',
        status: 200,
        body: tokenBody({ expires_in: 'RAW' }, { expires_in: raw }),
      });
      const token = await refreshAccessToken(refreshToken, DEMO_PUBLIC_APP.clientId, null, options);
      expect(token).toBeInstanceOf(UserToken);
      expect(token.expiresIn).toBe(expected);
      expect(() => new Date(token.expiresAt).toISOString()).not.toThrow();
      // What a store writes reads back.
      expect(UserToken.fromJSON(JSON.parse(JSON.stringify(token))).expiresIn).toBe(expected);
    });
  }

  it('reads a negative lifetime from /validate as 0, which a stored token can carry', async () => {
    const { fake, options } = twitch;
    fake.injectFault({
      endpoint: '/validate',
      status: 200,
      body: JSON.stringify({ client_id: DEMO_APP.clientId, login: 'x', user_id: '1', scopes: [], expires_in: -30 }),
    });
    const info = await validateToken('sometoken0123456789', options);
    expect(info).toMatchObject({ valid: true, expiresIn: 0 });
  });
});

describe('token and secret arguments that could never be sent', () => {
  // Injected: a character above U+00FF (or a control character) in each helper's token or secret
  // argument. Counted: requests sent (none allowed) and attempts reported as network failures.
  const twitch = useFakeTwitch();
  const bad = 'tok\u0100en0123456789';
  const calls: [string, RegExp, (options: HttpOptions) => Promise<unknown>][] = [
    ['validateToken', /^accessToken /, (o) => validateToken(bad, o)],
    ['getUserInfo', /^accessToken /, (o) => getUserInfo(bad, o)],
    ['revokeToken', /^accessToken /, (o) => revokeToken(DEMO_APP.clientId, bad, o)],
    ['revokeToken (client id)', /^clientId /, (o) => revokeToken(bad, 'token0123456789', o)],
    ['refreshAccessToken', /^refreshToken /, (o) => refreshAccessToken(bad, DEMO_APP.clientId, secret, o)],
    [
      'refreshAccessToken (secret)',
      /^appSecret /,
      (o) => refreshAccessToken('refresh0123456789', DEMO_APP.clientId, bad, o),
    ],
    ['getAppAccessToken', /^appSecret /, (o) => getAppAccessToken(DEMO_APP.clientId, bad, [], o)],
    ['exchangeCode', /^code /, (o) => exchangeCode(DEMO_APP.clientId, secret, bad, 'http://localhost:17563', o)],
  ];
  for (const [name, argument, call] of calls) {
    it(`${name}: a TypeError at once naming the argument, and nothing sent`, async () => {
      const { fake, options } = twitch;
      const error = await rejectionOf(call(options));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(argument);
      expect((error as Error).message).toMatch(/characters above U\+00FF/);
      expect((error as Error).message).not.toContain(bad);
      expect(fake.requests).toHaveLength(0);
    });
  }
});

describe('time options past what a timer can wait', () => {
  const twitch = useFakeTwitch();
  const bad: [string, HttpOptions, RegExp][] = [
    [
      'timeoutMs: 2**31',
      { timeoutMs: 2 ** 31 },
      /timeoutMs option must be a whole number of milliseconds from 0 to 2147483647; got 2147483648/,
    ],
    ['timeoutMs: Infinity', { timeoutMs: Infinity }, /timeoutMs/],
    [
      'retry.baseDelayMs: 2**31',
      { retry: { baseDelayMs: 2 ** 31 } },
      /retry\.baseDelayMs option .* from 0 to 2147483647/,
    ],
    ['retry.maxDelayMs: 1e10', { retry: { maxDelayMs: 1e10 } }, /retry\.maxDelayMs option .* from 0 to 2147483647/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with a TypeError giving the range, before sending`, async () => {
      const { fake } = twitch;
      const error = await rejectionOf(validateToken('sometoken0123', { authBaseUrl: fake.authBaseUrl, ...options }));
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).toMatch(message);
      expect(fake.requests).toHaveLength(0);
    });
  }

  it('takes the largest delay a timer can wait', async () => {
    const { fake } = twitch;
    const largest = 2 ** 31 - 1;
    const info = await validateToken('sometoken0123', {
      authBaseUrl: fake.authBaseUrl,
      timeoutMs: largest,
      retry: { baseDelayMs: largest, maxDelayMs: largest },
    });
    expect(info.valid).toBe(false);
  });
});

describe("the twitch CLI's mock-api", () => {
  // A stand-in for `twitch mock-api start` with its observed answers (see the facts file): no
  // /revoke, /userinfo or /device (a plain-text `404 page not found`), a 400 JSON body for a wrong
  // client secret, a 401 with an empty body from /validate.
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => {
      if (server === undefined) resolve();
      else
        server.close(() => {
          resolve();
        });
    });
    server = undefined;
  });
  async function startMockApi(): Promise<string> {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (request.method === 'POST' && (path === '/auth/token' || path === '/auth/authorize')) {
        response
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"Bad Request","status":400,"message":"Client ID/Secret invalid"}');
      } else if (path === '/auth/validate') {
        response.writeHead(401).end();
      } else {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/auth`;
  }

  it('revokeToken: a missing /revoke is an EndpointNotFoundError, not "unknown client" (false)', async () => {
    const authBaseUrl = await startMockApi();
    const error = await rejectionOf(revokeToken(DEMO_APP.clientId, 'sometoken0123456789', { authBaseUrl }));
    expect(error).toBeInstanceOf(EndpointNotFoundError);
    expect(error).toBeInstanceOf(TwitchAPIError);
    expect(error).toMatchObject({ status: 404, endpoint: 'POST /revoke', transient: false, baseUrl: authBaseUrl });
    expect(String(error)).toContain(`${authBaseUrl} does not serve POST /revoke`);
    expect(String(error)).toMatch(/mock-api/);
  });

  it('getUserInfo and refreshAccessToken: the same for /userinfo and a base URL without /token', async () => {
    const authBaseUrl = await startMockApi();
    expect(await rejectionOf(getUserInfo('sometoken0123456789', { authBaseUrl }))).toBeInstanceOf(
      EndpointNotFoundError,
    );
    const elsewhere = authBaseUrl.replace(/\/auth$/, '/nothing');
    expect(
      await rejectionOf(refreshAccessToken('refresh0123456789', DEMO_APP.clientId, secret, { authBaseUrl: elsewhere })),
    ).toBeInstanceOf(EndpointNotFoundError);
  });

  it('a wrong client secret (400 "Client ID/Secret invalid") is an UnauthorizedError', async () => {
    const authBaseUrl = await startMockApi();
    const error = await rejectionOf(getAppAccessToken(DEMO_APP.clientId, secret, [], { authBaseUrl }));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ status: 400, twitchMessage: 'Client ID/Secret invalid' });
  });

  it('an unknown token at /validate (401, empty body) is an answer, not an error', async () => {
    const authBaseUrl = await startMockApi();
    expect(await validateToken('sometoken0123456789', { authBaseUrl })).toMatchObject({ valid: false, status: 401 });
  });
});

describe('the bundled fake, as the mock-api', () => {
  const twitch = useFakeTwitch();

  it("mockAuthenticate with a wrong secret is an UnauthorizedError (the mock's 400 message)", async () => {
    const { fake } = twitch;
    const auth = new UserAuthenticator({ appId: DEMO_APP.clientId, appSecret: 'wrongsecret0123456789' }, [], {
      authBaseUrl: `${fake.origin}/auth`,
    });
    const error = await rejectionOf(auth.mockAuthenticate(DEMO_USER.id));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(String(error)).not.toContain('wrongsecret0123456789');
  });

  it('revokeToken at a path the fake does not serve is an EndpointNotFoundError', async () => {
    const { fake } = twitch;
    const error = await rejectionOf(revokeToken(DEMO_APP.clientId, 'tok', { authBaseUrl: `${fake.origin}/elsewhere` }));
    expect(error).toBeInstanceOf(EndpointNotFoundError);
  });

  it("still answers false for Twitch's own 404 (unknown client, with Twitch's body)", async () => {
    const { fake, options } = twitch;
    expect(await revokeToken('nosuchclient', fake.issueUserToken().accessToken, options)).toBe(false);
  });
});
