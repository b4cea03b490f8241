/**
 * The fake Twitch's own behaviour, over real HTTP with Node's fetch: every other test trusts it as
 * the stand-in for id.twitch.tv, so its answers are checked here against Twitch's documented ones
 * (see twitch-oauth-facts.md). The library's helpers are deliberately not used.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  DEMO_USER,
  FAULT_BODIES,
  startFakeTwitch,
  type FakeApp,
  type FakeTwitch,
  type FakeTwitchOptions,
} from '../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from './support/fake.js';

type Fields = Record<string, string>;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

const SECRET = DEMO_APP.clientSecret!;
const REDIRECT_URI = 'http://localhost:17563';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** One request with redirects left alone, its body read in full so the connection is released. */
async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function postForm(url: string, fields: Fields, headers: Fields = {}): Promise<Reply> {
  return call(url, { method: 'POST', body: new URLSearchParams(fields), headers });
}

function getWithAuth(url: string, authorization: string): Promise<Reply> {
  return call(url, { headers: { authorization } });
}

function json(reply: Reply): unknown {
  return JSON.parse(reply.text) as unknown;
}

/** A JSON body parsed as an object, for reading its fields. */
function jsonObject(reply: Reply): Record<string, unknown> {
  const body = json(reply);
  expect(body).toBeTypeOf('object');
  return body as Record<string, unknown>;
}

function field(reply: Reply, name: string): string {
  const value = jsonObject(reply)[name];
  expect(value).toBeTypeOf('string');
  return value as string;
}

function authorizeUrl(base: string, params: Fields): string {
  return `${base}/authorize?${new URLSearchParams(params).toString()}`;
}

function authorizeParams(overrides: Fields = {}): Fields {
  return {
    client_id: DEMO_APP.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'chat:read chat:edit',
    state: 'st4te-123',
    ...overrides,
  };
}

function locationOf(reply: Reply): string {
  expect(reply.status).toBe(302);
  const location = reply.headers.get('location');
  expect(location).not.toBeNull();
  return location!;
}

/** The query of a redirect's `Location`, decoded. */
function redirectQuery(reply: Reply): Fields {
  return Object.fromEntries(new URL(locationOf(reply)).searchParams);
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The POST form of one of the fake's pages: where it goes, and its hidden fields. */
function formOf(html: string): { action: string; fields: Fields } {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  expect(action).toBeDefined();
  const fields: Fields = {};
  for (const [, name = '', value = ''] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(name)] = unescapeHtml(value);
  }
  return { action: unescapeHtml(action!), fields };
}

/** Approves an authorization request at the fake and returns the code. */
async function authorizationCode(fake: FakeTwitch, overrides: Fields = {}): Promise<string> {
  fake.identity.authorizeMode = 'approve';
  const code = redirectQuery(await call(authorizeUrl(fake.authBaseUrl, authorizeParams(overrides))))['code'];
  expect(code).toBeDefined();
  return code!;
}

function exchange(fake: FakeTwitch, code: string, overrides: Fields = {}): Promise<Reply> {
  return postForm(`${fake.authBaseUrl}/token`, {
    client_id: DEMO_APP.clientId,
    client_secret: SECRET,
    code,
    grant_type: 'authorization_code',
    redirect_uri: REDIRECT_URI,
    ...overrides,
  });
}

function refresh(fake: FakeTwitch, refreshToken: string, app: FakeApp = DEMO_APP): Promise<Reply> {
  const secret: Fields = app.clientSecret === undefined ? {} : { client_secret: app.clientSecret };
  return postForm(`${fake.authBaseUrl}/token`, {
    client_id: app.clientId,
    ...secret,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
}

function validate(fake: FakeTwitch, accessToken: string): Promise<Reply> {
  return getWithAuth(`${fake.authBaseUrl}/validate`, `OAuth ${accessToken}`);
}

/** A clock the test moves by hand, so that expiry and polling intervals need no sleeping. */
class ManualClock {
  static readonly START = Date.UTC(2026, 0, 1);
  #now = ManualClock.START;
  readonly now = (): number => this.#now;
  advance(ms: number): void {
    this.#now += ms;
  }
  reset(): void {
    this.#now = ManualClock.START;
  }
}

/** Fakes started by a test itself, where it needs options; all closed after the test. */
const startedFakes: FakeTwitch[] = [];
afterEach(async () => {
  await Promise.all(startedFakes.splice(0).map((fake) => fake.close()));
});
async function startFake(options?: FakeTwitchOptions): Promise<FakeTwitch> {
  const fake = await startFakeTwitch(options);
  startedFakes.push(fake);
  return fake;
}

/** Waits (in tiny steps) until the fake has received `count` requests. */
async function untilRecorded(fake: FakeTwitch, count: number): Promise<void> {
  while (fake.requests.length < count) await sleep(2);
}

describe('GET /authorize', () => {
  const fixture = useFakeTwitch();

  it("'approve' redirects to the registered URI with a code, the scopes as Twitch encodes them, and the state", async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'approve';
    const reply = await call(authorizeUrl(fake.authBaseUrl, authorizeParams()));
    const location = locationOf(reply);
    expect(reply.text).toBe('');
    // Exactly the registered URI (no "/" added), then Twitch's query: space as "+", ":" as "%3A".
    expect(location).toMatch(
      /^http:\/\/localhost:17563\?code=[a-z0-9]{30}&scope=chat%3Aread\+chat%3Aedit&state=st4te-123$/,
    );
    expect(redirectQuery(reply)).toEqual({
      code: expect.stringMatching(/^[a-z0-9]{30}$/) as unknown,
      scope: 'chat:read chat:edit',
      state: 'st4te-123',
    });
  });

  it('accepts the scope parameter encoded with %20 as well as +', async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'approve';
    const query = `client_id=${DEMO_APP.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=chat%3Aread%20user%3Aread%3Aemail&state=s`;
    const reply = await call(`${fake.authBaseUrl}/authorize?${query}`);
    expect(redirectQuery(reply)['scope']).toBe('chat:read user:read:email');
  });

  it('gives a different code each time', async () => {
    const { fake } = fixture;
    const first = await authorizationCode(fake);
    const second = await authorizationCode(fake);
    expect(first).not.toBe(second);
  });

  it("'deny' redirects with access_denied, Twitch's description and the state", async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'deny';
    const reply = await call(authorizeUrl(fake.authBaseUrl, authorizeParams({ state: 'abc' })));
    expect(locationOf(reply)).toBe(
      'http://localhost:17563?error=access_denied&error_description=The+user+denied+you+access&state=abc',
    );
    expect(redirectQuery(reply)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied you access',
      state: 'abc',
    });
  });

  it('leaves state out of the redirect when the request had none', async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'deny';
    const params = authorizeParams();
    delete params['state'];
    const query = redirectQuery(await call(authorizeUrl(fake.authBaseUrl, params)));
    expect(query).not.toHaveProperty('state');
  });

  describe('with an app that registered two redirect URIs', () => {
    const app: FakeApp = {
      clientId: 'twoUrisClient',
      clientSecret: 'twoUrisSecret',
      redirectUris: ['http://localhost:3000/callback', 'http://localhost:17563'],
    };
    const twoUris = useFakeTwitch({ apps: [app], authorize: 'approve' });

    it('sends an unregistered redirect_uri to the FIRST registered URI with redirect_mismatch and no state', async () => {
      const base = twoUris.fake.authBaseUrl;
      const mismatches = [
        'http://localhost:9999/callback',
        'http://localhost:17563/', // a trailing slash is a different URI
        'http://localhost:3000/callback/',
        'https://localhost:17563',
        'http://127.0.0.1:17563',
      ];
      for (const redirectUri of mismatches) {
        const reply = await call(
          authorizeUrl(base, authorizeParams({ client_id: app.clientId, redirect_uri: redirectUri, state: 'x' })),
        );
        expect(locationOf(reply), redirectUri).toBe(
          'http://localhost:3000/callback?error=redirect_mismatch&error_description=Parameter+redirect_uri+does+not+match+registered+URI',
        );
      }
    });

    it('accepts the second registered URI too', async () => {
      const reply = await call(
        authorizeUrl(
          twoUris.fake.authBaseUrl,
          authorizeParams({ client_id: app.clientId, redirect_uri: REDIRECT_URI }),
        ),
      );
      expect(locationOf(reply)).toMatch(/^http:\/\/localhost:17563\?code=/);
    });
  });

  it('answers an unknown client_id with 400 invalid client', async () => {
    const { fake } = fixture;
    const reply = await call(authorizeUrl(fake.authBaseUrl, authorizeParams({ client_id: 'nobody' })));
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(json(reply)).toEqual({ status: 400, message: 'invalid client' });
  });

  it('redirects a response_type other than code with unsupported_response_type', async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'approve';
    const query = redirectQuery(
      await call(authorizeUrl(fake.authBaseUrl, authorizeParams({ response_type: 'token' }))),
    );
    expect(query).toMatchObject({ error: 'unsupported_response_type', state: 'st4te-123' });
    expect(query).not.toHaveProperty('code');
  });

  it('redirects an unknown scope with invalid_scope', async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'approve';
    const reply = await call(authorizeUrl(fake.authBaseUrl, authorizeParams({ scope: 'chat:read chat:shout' })));
    const query = redirectQuery(reply);
    expect(query).toMatchObject({ error: 'invalid_scope', state: 'st4te-123' });
    expect(query['error_description']).toContain('chat:shout');
    expect(query).not.toHaveProperty('code');
  });

  it("'auto' approves at once without force_verify, and shows the consent page with force_verify=true", async () => {
    const { fake } = fixture;
    expect(fake.identity.authorizeMode).toBe('auto');
    for (const forceVerify of [undefined, 'false']) {
      const params = forceVerify === undefined ? authorizeParams() : authorizeParams({ force_verify: forceVerify });
      const reply = await call(authorizeUrl(fake.authBaseUrl, params));
      expect(redirectQuery(reply)).toHaveProperty('code');
    }
    const page = await call(authorizeUrl(fake.authBaseUrl, authorizeParams({ force_verify: 'true' })));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<!DOCTYPE html>');
    expect(page.text).toContain('id="authorize"');
    expect(page.text).toMatch(/<button[^>]*name="decision" value="approve"[^>]*>Authorize<\/button>/);
    expect(page.text).toMatch(/<button[^>]*name="decision" value="deny"[^>]*>Cancel<\/button>/);
    expect(page.text).toContain(DEMO_APP.name);
    expect(page.text).toContain(DEMO_USER.login);
    expect(page.text).toContain('<code>chat:read</code>');
    expect(page.text).toContain('<code>chat:edit</code>');
  });

  it("'consent' always shows the consent page, whose form carries the request", async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'consent';
    const page = await call(authorizeUrl(fake.authBaseUrl, authorizeParams()));
    expect(page.status).toBe(200);
    expect(formOf(page.text)).toEqual({ action: '/oauth2/authorize', fields: authorizeParams() });
  });

  it('escapes a hostile state in the consent page and returns it intact in the redirect', async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'consent';
    const state = `"><script>alert('x')</script>&amp;<`;
    const page = await call(authorizeUrl(fake.authBaseUrl, authorizeParams({ state })));
    expect(page.text).not.toContain('<script>');
    expect(page.text).not.toContain(`'x'`);
    expect(page.text).toContain('&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;amp;&#60;');
    const form = formOf(page.text);
    expect(form.fields['state']).toBe(state);

    const approved = await postForm(`${fake.origin}${form.action}`, { ...form.fields, decision: 'approve' });
    expect(redirectQuery(approved)).toMatchObject({ state, scope: 'chat:read chat:edit' });
    expect(locationOf(approved)).toContain(new URLSearchParams({ state }).toString());
  });

  it('answers the consent form: Authorize redirects with a code, Cancel with access_denied', async () => {
    const { fake } = fixture;
    fake.identity.authorizeMode = 'consent';
    const { action, fields } = formOf((await call(authorizeUrl(fake.authBaseUrl, authorizeParams()))).text);

    const approved = await postForm(`${fake.origin}${action}`, { ...fields, decision: 'approve' });
    expect(locationOf(approved)).toMatch(
      /^http:\/\/localhost:17563\?code=[a-z0-9]{30}&scope=chat%3Aread\+chat%3Aedit&state=st4te-123$/,
    );
    // The code from the consent page is as good as one from an immediate approval.
    const token = await exchange(fake, redirectQuery(approved)['code']!);
    expect(token.status).toBe(200);

    const denied = await postForm(`${fake.origin}${action}`, { ...fields, decision: 'deny' });
    expect(locationOf(denied)).toBe(
      'http://localhost:17563?error=access_denied&error_description=The+user+denied+you+access&state=st4te-123',
    );
  });

  it('checks the consent form like the original request', async () => {
    const { fake } = fixture;
    const base = { ...authorizeParams(), decision: 'approve' };
    const unknownClient = await postForm(`${fake.authBaseUrl}/authorize`, { ...base, client_id: 'nobody' });
    expect(unknownClient.status).toBe(400);
    expect(json(unknownClient)).toEqual({ status: 400, message: 'invalid client' });
    const mismatch = await postForm(`${fake.authBaseUrl}/authorize`, { ...base, redirect_uri: 'http://evil.example' });
    expect(redirectQuery(mismatch)).toEqual({
      error: 'redirect_mismatch',
      error_description: 'Parameter redirect_uri does not match registered URI',
    });
  });
});

describe('POST /token, authorization_code grant', () => {
  const fixture = useFakeTwitch();

  it("answers with exactly Twitch's fields", async () => {
    const { fake } = fixture;
    const reply = await exchange(fake, await authorizationCode(fake));
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    const body = jsonObject(reply);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[a-z0-9]{30}$/) as unknown,
      expires_in: 14124,
      refresh_token: expect.stringMatching(/^[a-z0-9]{50}$/) as unknown,
      scope: ['chat:read', 'chat:edit'],
      token_type: 'bearer',
    });
    const validated = jsonObject(await validate(fake, field(reply, 'access_token')));
    expect(validated).toMatchObject({
      login: DEMO_USER.login,
      user_id: DEMO_USER.id,
      scopes: ['chat:read', 'chat:edit'],
    });
  });

  it('gives an empty scope array when no scope was asked for', async () => {
    const { fake } = fixture;
    const reply = await exchange(fake, await authorizationCode(fake, { scope: '' }));
    expect(jsonObject(reply)['scope']).toEqual([]);
  });

  it('accepts a code once', async () => {
    const { fake } = fixture;
    const code = await authorizationCode(fake);
    expect((await exchange(fake, code)).status).toBe(200);
    const again = await exchange(fake, code);
    expect(again.status).toBe(400);
    expect(json(again)).toEqual({ status: 400, message: 'Invalid authorization code' });
  });

  it('refuses an unknown code', async () => {
    const { fake } = fixture;
    const reply = await exchange(fake, 'notacode');
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ status: 400, message: 'Invalid authorization code' });
  });

  it('refuses a redirect_uri other than the one the code was issued for, and the code is then spent', async () => {
    const { fake } = fixture;
    const code = await authorizationCode(fake);
    for (const redirectUri of ['http://localhost:17563/', '']) {
      const other = await authorizationCode(fake);
      const reply = await exchange(fake, other, { redirect_uri: redirectUri });
      expect(reply.status, redirectUri).toBe(400);
      expect(json(reply)).toEqual({ status: 400, message: 'Parameter redirect_uri does not match registered URI' });
      expect((await exchange(fake, other)).status).toBe(400);
    }
    expect((await exchange(fake, code)).status).toBe(200);
  });

  it('answers a wrong client secret with 403 invalid client secret', async () => {
    const { fake } = fixture;
    const reply = await exchange(fake, await authorizationCode(fake), { client_secret: 'wrong' });
    expect(reply.status).toBe(403);
    expect(json(reply)).toEqual({ status: 403, message: 'invalid client secret' });
    const missing = await postForm(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_APP.clientId,
      code: 'x',
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
    });
    expect(missing.status).toBe(403);
  });

  it('answers an unknown client with 400 invalid client', async () => {
    const { fake } = fixture;
    const reply = await exchange(fake, await authorizationCode(fake), { client_id: 'nobody' });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ status: 400, message: 'invalid client' });
  });

  it('answers a public client with 400: it must use the device code flow', async () => {
    const { fake } = fixture;
    const code = await authorizationCode(fake, { client_id: DEMO_PUBLIC_APP.clientId });
    const reply = await postForm(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_PUBLIC_APP.clientId,
      code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
    });
    expect(reply.status).toBe(400);
    expect(jsonObject(reply)).toMatchObject({ status: 400 });
  });

  it('answers an unknown grant type with 400', async () => {
    const { fake } = fixture;
    const reply = await postForm(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_APP.clientId,
      client_secret: SECRET,
      grant_type: 'password',
    });
    expect(reply.status).toBe(400);
    expect(jsonObject(reply)).toMatchObject({ status: 400 });
  });
});

describe('POST /token, refresh_token grant', () => {
  const fixture = useFakeTwitch();
  const INVALID_REFRESH = { error: 'Bad Request', status: 400, message: 'Invalid refresh token' };

  it("reuses a confidential client's refresh token", async () => {
    const { fake } = fixture;
    const { accessToken, refreshToken } = fake.issueUserToken({ scopes: ['chat:read'] });
    const first = await refresh(fake, refreshToken);
    const second = await refresh(fake, refreshToken);
    for (const reply of [first, second]) {
      expect(reply.status).toBe(200);
      const body = jsonObject(reply);
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
      expect(body).toMatchObject({ expires_in: 14124, refresh_token: refreshToken, scope: ['chat:read'] });
      expect(body['token_type']).toBe('bearer');
    }
    const accessTokens = [accessToken, field(first, 'access_token'), field(second, 'access_token')];
    expect(new Set(accessTokens).size).toBe(3);
    for (const token of accessTokens) expect((await validate(fake, token)).status).toBe(200);
  });

  it("spends a public client's refresh token once, without a secret, and returns a new one", async () => {
    const { fake } = fixture;
    const { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId, scopes: ['chat:read'] });
    const first = await refresh(fake, refreshToken, DEMO_PUBLIC_APP);
    expect(first.status).toBe(200);
    const next = field(first, 'refresh_token');
    expect(next).not.toBe(refreshToken);
    expect(jsonObject(first)).toMatchObject({ scope: ['chat:read'], token_type: 'bearer' });

    const again = await refresh(fake, refreshToken, DEMO_PUBLIC_APP);
    expect(again.status).toBe(400);
    expect(json(again)).toEqual(INVALID_REFRESH);

    const chained = await refresh(fake, next, DEMO_PUBLIC_APP);
    expect(chained.status).toBe(200);
    expect(field(chained, 'refresh_token')).not.toBe(next);
  });

  it('refuses a revoked refresh token', async () => {
    const { fake } = fixture;
    const { refreshToken } = fake.issueUserToken();
    fake.identity.revokeRefreshToken(refreshToken);
    const reply = await refresh(fake, refreshToken);
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual(INVALID_REFRESH);
  });

  it("refuses an unknown refresh token and another app's", async () => {
    const { fake } = fixture;
    expect(json(await refresh(fake, 'unknown'))).toEqual(INVALID_REFRESH);
    const { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    const reply = await refresh(fake, refreshToken, DEMO_APP);
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual(INVALID_REFRESH);
  });

  it('answers a wrong client secret with 403', async () => {
    const { fake } = fixture;
    const { refreshToken } = fake.issueUserToken();
    const reply = await refresh(fake, refreshToken, { ...DEMO_APP, clientSecret: 'wrong' });
    expect(reply.status).toBe(403);
    expect(json(reply)).toEqual({ status: 403, message: 'invalid client secret' });
  });

  it('keeps at most 50 valid access tokens per refresh token, invalidating the oldest', async () => {
    const { fake } = fixture;
    const { accessToken, refreshToken } = fake.issueUserToken();
    const tokens = [accessToken];
    for (let i = 0; i < 49; i += 1) tokens.push(field(await refresh(fake, refreshToken), 'access_token'));
    // 50 access tokens so far, the first one included: all valid.
    expect((await validate(fake, tokens[0]!)).status).toBe(200);

    tokens.push(field(await refresh(fake, refreshToken), 'access_token'));
    const statuses = await Promise.all(tokens.map(async (token) => (await validate(fake, token)).status));
    expect(statuses[0]).toBe(401);
    expect(statuses.slice(1)).toEqual(Array<number>(50).fill(200));

    tokens.push(field(await refresh(fake, refreshToken), 'access_token'));
    expect((await validate(fake, tokens[1]!)).status).toBe(401);
    expect((await validate(fake, tokens[2]!)).status).toBe(200);
  });
});

describe('POST /token, client_credentials grant', () => {
  const fixture = useFakeTwitch({ now: new ManualClock().now });

  function appToken(fake: FakeTwitch, extra: Fields = {}): Promise<Reply> {
    return postForm(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_APP.clientId,
      client_secret: SECRET,
      grant_type: 'client_credentials',
      ...extra,
    });
  }

  it('answers access_token, expires_in and token_type, without a refresh token or scope', async () => {
    const { fake } = fixture;
    const reply = await appToken(fake);
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({
      access_token: expect.stringMatching(/^[a-z0-9]{30}$/) as unknown,
      expires_in: 5011271,
      token_type: 'bearer',
    });
  });

  it('includes scope only when scopes were requested', async () => {
    const { fake } = fixture;
    const reply = await appToken(fake, { scope: 'analytics:read:games bits:read' });
    const body = jsonObject(reply);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body['scope']).toEqual(['analytics:read:games', 'bits:read']);
  });

  it('issues app tokens that validate without login or user_id', async () => {
    const { fake } = fixture;
    const token = field(await appToken(fake), 'access_token');
    const body = jsonObject(await validate(fake, token));
    expect(body).toEqual({ client_id: DEMO_APP.clientId, scopes: [], expires_in: 5011271 });
    expect(body).not.toHaveProperty('login');
    expect(body).not.toHaveProperty('user_id');
  });

  it('answers a wrong secret with 403 and a public client with 400', async () => {
    const { fake } = fixture;
    expect(json(await appToken(fake, { client_secret: 'wrong' }))).toEqual({
      status: 403,
      message: 'invalid client secret',
    });
    const publicClient = await postForm(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_PUBLIC_APP.clientId,
      grant_type: 'client_credentials',
    });
    expect(publicClient.status).toBe(400);
  });
});

describe('GET /validate', () => {
  const clock = new ManualClock();
  const fixture = useFakeTwitch({ now: clock.now });
  beforeEach(() => {
    clock.reset();
  });

  it("accepts the OAuth and Bearer schemes and answers Twitch's body", async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken({ scopes: ['chat:read'] });
    const expected = {
      client_id: DEMO_APP.clientId,
      login: DEMO_USER.login,
      scopes: ['chat:read'],
      user_id: DEMO_USER.id,
      expires_in: 14124,
    };
    for (const scheme of ['OAuth', 'Bearer', 'oauth', 'bearer']) {
      const reply = await getWithAuth(`${fake.authBaseUrl}/validate`, `${scheme} ${accessToken}`);
      expect(reply.status, scheme).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/json');
      expect(json(reply)).toEqual(expected);
    }
  });

  it('answers 401 missing authorization token without a header', async () => {
    const { fake } = fixture;
    const reply = await call(`${fake.authBaseUrl}/validate`);
    expect(reply.status).toBe(401);
    expect(json(reply)).toEqual({ status: 401, message: 'missing authorization token' });
  });

  it('answers 401 invalid access token for an unknown token', async () => {
    const { fake } = fixture;
    const reply = await validate(fake, 'unknowntoken');
    expect(reply.status).toBe(401);
    expect(json(reply)).toEqual({ status: 401, message: 'invalid access token' });
  });

  it('counts expires_in down with the clock, and refuses the token once it has expired', async () => {
    const { fake } = fixture;
    const { accessToken, expiresIn } = fake.issueUserToken();
    expect(expiresIn).toBe(14124);
    clock.advance(1000 * 1000);
    expect(jsonObject(await validate(fake, accessToken))['expires_in']).toBe(13124);
    clock.advance(500);
    expect(jsonObject(await validate(fake, accessToken))['expires_in']).toBe(13123);
    clock.advance(13123 * 1000 + 499);
    expect(jsonObject(await validate(fake, accessToken))['expires_in']).toBe(0);
    clock.advance(1);
    expect(json(await validate(fake, accessToken))).toEqual({ status: 401, message: 'invalid access token' });
  });

  it('refuses a token expired with identity.expireAccessToken, while its refresh token still works', async () => {
    const { fake } = fixture;
    const { accessToken, refreshToken } = fake.issueUserToken();
    fake.identity.expireAccessToken(accessToken);
    expect((await validate(fake, accessToken)).status).toBe(401);
    const refreshed = await refresh(fake, refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await validate(fake, field(refreshed, 'access_token'))).status).toBe(200);
  });
});

describe('POST /revoke', () => {
  const fixture = useFakeTwitch();

  function revoke(fake: FakeTwitch, token: string, clientId = DEMO_APP.clientId): Promise<Reply> {
    return postForm(`${fake.authBaseUrl}/revoke`, { client_id: clientId, token });
  }

  it('answers 200 with an empty body, and the token is then invalid', async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken();
    const reply = await revoke(fake, accessToken);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect(reply.headers.get('content-length')).toBe('0');
    expect((await validate(fake, accessToken)).status).toBe(401);
  });

  it('ends the refresh token of a revoked access token', async () => {
    const { fake } = fixture;
    const { accessToken, refreshToken } = fake.issueUserToken();
    expect((await revoke(fake, accessToken)).status).toBe(200);
    const reply = await refresh(fake, refreshToken);
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ error: 'Bad Request', status: 400, message: 'Invalid refresh token' });
  });

  it('answers 400 Invalid token for an unknown, already revoked or other app token', async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken();
    const { accessToken: publicToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    await revoke(fake, accessToken);
    for (const [token, clientId] of [
      ['unknowntoken', DEMO_APP.clientId],
      [accessToken, DEMO_APP.clientId],
      [publicToken, DEMO_APP.clientId],
    ] as const) {
      const reply = await revoke(fake, token, clientId);
      expect(reply.status).toBe(400);
      expect(json(reply)).toEqual({ status: 400, message: 'Invalid token' });
    }
  });

  it('answers 404 client does not exist for an unknown client', async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken();
    const reply = await revoke(fake, accessToken, 'nobody');
    expect(reply.status).toBe(404);
    expect(json(reply)).toEqual({ status: 404, message: 'client does not exist' });
    expect((await validate(fake, accessToken)).status).toBe(200);
  });
});

describe('GET /userinfo', () => {
  const fixture = useFakeTwitch();

  it('answers the OIDC claims for a Bearer token with the openid scope', async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken({ scopes: ['openid'] });
    const reply = await getWithAuth(`${fake.authBaseUrl}/userinfo`, `Bearer ${accessToken}`);
    expect(reply.status).toBe(200);
    const claims = jsonObject(reply);
    expect(claims).toMatchObject({
      sub: DEMO_USER.id,
      preferred_username: DEMO_USER.login,
      iss: fake.authBaseUrl,
      aud: DEMO_APP.clientId,
    });
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('email_verified');
  });

  it('adds the email only with user:read:email', async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken({ scopes: ['openid', 'user:read:email'] });
    const claims = jsonObject(await getWithAuth(`${fake.authBaseUrl}/userinfo`, `Bearer ${accessToken}`));
    expect(claims).toMatchObject({ email: DEMO_USER.email, email_verified: true });
  });

  it('refuses a token without openid, the OAuth scheme, no header and unknown tokens with 401', async () => {
    const { fake } = fixture;
    const { accessToken: withoutOpenid } = fake.issueUserToken({ scopes: ['chat:read'] });
    const { accessToken } = fake.issueUserToken({ scopes: ['openid'] });
    const url = `${fake.authBaseUrl}/userinfo`;
    const replies = [
      await getWithAuth(url, `Bearer ${withoutOpenid}`),
      await getWithAuth(url, `OAuth ${accessToken}`),
      await call(url),
      await getWithAuth(url, 'Bearer unknowntoken'),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(jsonObject(reply)).toMatchObject({ status: 401 });
    }
  });
});

describe('device code flow', () => {
  const clock = new ManualClock();
  const fixture = useFakeTwitch({ now: clock.now });
  beforeEach(() => {
    clock.reset();
  });

  interface DeviceStart {
    readonly device_code: string;
    readonly expires_in: number;
    readonly interval: number;
    readonly user_code: string;
    readonly verification_uri: string;
  }

  async function startDevice(fake: FakeTwitch, base = fake.authBaseUrl): Promise<DeviceStart> {
    const reply = await postForm(`${base}/device`, {
      client_id: DEMO_PUBLIC_APP.clientId,
      scopes: 'chat:read chat:edit',
    });
    expect(reply.status).toBe(200);
    return json(reply) as DeviceStart;
  }

  function poll(fake: FakeTwitch, deviceCode: string, base = fake.authBaseUrl): Promise<Reply> {
    return postForm(`${base}/token`, {
      client_id: DEMO_PUBLIC_APP.clientId,
      scopes: 'chat:read chat:edit',
      device_code: deviceCode,
      grant_type: DEVICE_GRANT,
    });
  }

  async function expectPollError(reply: Promise<Reply>, message: string): Promise<void> {
    const answered = await reply;
    expect(answered.status).toBe(400);
    expect(json(answered)).toEqual({ status: 400, message });
  }

  it("starts with Twitch's body, pointing at the fake's activation page", async () => {
    const { fake } = fixture;
    const started = await startDevice(fake);
    expect(Object.keys(started).sort()).toEqual([
      'device_code',
      'expires_in',
      'interval',
      'user_code',
      'verification_uri',
    ]);
    expect(started.device_code).toMatch(/^[a-z0-9]{40}$/);
    expect(started.expires_in).toBe(1800);
    expect(started.interval).toBe(5);
    expect(started.user_code).toMatch(/^[A-Z]{8}$/);
    expect(started.verification_uri).toBe(`${fake.origin}/oauth2/activate?device-code=${started.user_code}`);
    expect(new URL(started.verification_uri).searchParams.get('device-code')).toBe(started.user_code);
  });

  it('answers an unknown client with 400 invalid client', async () => {
    const { fake } = fixture;
    const reply = await postForm(`${fake.authBaseUrl}/device`, { client_id: 'nobody', scopes: '' });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ status: 400, message: 'invalid client' });
  });

  it('answers pending, slows down a poller that is too fast, then issues a token once approved', async () => {
    const { fake } = fixture;
    const { device_code: deviceCode, user_code: userCode } = await startDevice(fake);
    await expectPollError(poll(fake, deviceCode), 'authorization_pending');
    clock.advance(5000);
    await expectPollError(poll(fake, deviceCode), 'authorization_pending');

    // Too soon: slow_down, and the interval grows from 5 s to 10 s...
    clock.advance(4999);
    await expectPollError(poll(fake, deviceCode), 'slow_down');
    clock.advance(5000);
    // ...so 5 s is now too soon as well (and the interval becomes 15 s).
    await expectPollError(poll(fake, deviceCode), 'slow_down');
    clock.advance(14_999);
    await expectPollError(poll(fake, deviceCode), 'slow_down');
    clock.advance(20_000);
    await expectPollError(poll(fake, deviceCode), 'authorization_pending');

    expect(fake.identity.decideDevice(userCode, true)).toBe(true);
    clock.advance(20_000);
    const token = await poll(fake, deviceCode);
    expect(token.status).toBe(200);
    const body = jsonObject(token);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body).toMatchObject({ expires_in: 14124, scope: ['chat:read', 'chat:edit'], token_type: 'bearer' });
    expect(jsonObject(await validate(fake, field(token, 'access_token')))).toMatchObject({
      client_id: DEMO_PUBLIC_APP.clientId,
      login: DEMO_USER.login,
      user_id: DEMO_USER.id,
      scopes: ['chat:read', 'chat:edit'],
    });
    // A public client's token: its refresh token is one-time.
    const refreshToken = field(token, 'refresh_token');
    expect((await refresh(fake, refreshToken, DEMO_PUBLIC_APP)).status).toBe(200);
    expect((await refresh(fake, refreshToken, DEMO_PUBLIC_APP)).status).toBe(400);

    // The device code is spent.
    clock.advance(20_000);
    await expectPollError(poll(fake, deviceCode), 'invalid device code');
    expect(fake.identity.decideDevice(userCode, true)).toBe(false);
  });

  it('answers access_denied once the user denies, and the code is then dead', async () => {
    const { fake } = fixture;
    const { device_code: deviceCode, user_code: userCode } = await startDevice(fake);
    expect(fake.identity.decideDevice(userCode.toLowerCase(), false)).toBe(true);
    await expectPollError(poll(fake, deviceCode), 'access_denied');
    clock.advance(5000);
    await expectPollError(poll(fake, deviceCode), 'invalid device code');
  });

  it('answers invalid device code once the code has expired', async () => {
    const { fake } = fixture;
    const { device_code: deviceCode, user_code: userCode } = await startDevice(fake);
    clock.advance(1799 * 1000);
    await expectPollError(poll(fake, deviceCode), 'authorization_pending');
    clock.advance(1000);
    await expectPollError(poll(fake, deviceCode), 'invalid device code');
    expect(fake.identity.decideDevice(userCode, true)).toBe(false);
  });

  it("answers invalid device code for an unknown code or another client's", async () => {
    const { fake } = fixture;
    await expectPollError(poll(fake, 'notadevicecode'), 'invalid device code');
    const { device_code: deviceCode } = await startDevice(fake);
    const reply = await postForm(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_APP.clientId,
      client_secret: SECRET,
      device_code: deviceCode,
      grant_type: DEVICE_GRANT,
    });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ status: 400, message: 'invalid device code' });
  });

  it('needs the secret of a confidential client', async () => {
    const { fake } = fixture;
    const started = jsonObject(
      await postForm(`${fake.authBaseUrl}/device`, { client_id: DEMO_APP.clientId, scopes: '' }),
    );
    const form = {
      client_id: DEMO_APP.clientId,
      device_code: started['device_code'] as string,
      grant_type: DEVICE_GRANT,
    };
    const withoutSecret = await postForm(`${fake.authBaseUrl}/token`, form);
    expect(withoutSecret.status).toBe(403);
    expect(json(withoutSecret)).toEqual({ status: 403, message: 'invalid client secret' });
    await expectPollError(
      postForm(`${fake.authBaseUrl}/token`, { ...form, client_secret: SECRET }),
      'authorization_pending',
    );
  });

  it('serves the activation page, whose Activate button approves the device', async () => {
    const { fake } = fixture;
    const { device_code: deviceCode, user_code: userCode, verification_uri: uri } = await startDevice(fake);
    const page = await call(uri);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`<code>${userCode}</code>`);
    expect(page.text).toContain(DEMO_USER.login);
    expect(page.text).toMatch(/<button[^>]*name="decision" value="approve"[^>]*>Activate<\/button>/);
    const form = formOf(page.text);
    expect(form).toEqual({ action: '/oauth2/activate', fields: { user_code: userCode } });

    const done = await postForm(`${fake.origin}${form.action}`, { ...form.fields, decision: 'approve' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Device activated');
    const token = await poll(fake, deviceCode);
    expect(token.status).toBe(200);
    expect(jsonObject(token)).toHaveProperty('access_token');

    // The code cannot be decided twice.
    const again = await postForm(`${fake.origin}${form.action}`, { ...form.fields, decision: 'approve' });
    expect(again.status).toBe(400);
    expect(again.text).toContain('Code not found');
  });

  it("the activation page's Cancel button denies the device", async () => {
    const { fake } = fixture;
    const { device_code: deviceCode, verification_uri: uri } = await startDevice(fake);
    const form = formOf((await call(uri)).text);
    const done = await postForm(`${fake.origin}${form.action}`, { ...form.fields, decision: 'deny' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Activation cancelled');
    await expectPollError(poll(fake, deviceCode), 'access_denied');
  });

  it('escapes a hostile code on the activation page', async () => {
    const { fake } = fixture;
    const page = await call(`${fake.authBaseUrl}/activate?device-code=${encodeURIComponent('"><img src=x>')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<img');
    expect(formOf(page.text).fields['user_code']).toBe('"><img src=x>');
  });

  it('answers an unknown code posted to the activation page with 400', async () => {
    const { fake } = fixture;
    const reply = await postForm(`${fake.authBaseUrl}/activate`, { user_code: 'ZZZZZZZZ', decision: 'approve' });
    expect(reply.status).toBe(400);
    expect(reply.text).toContain('Code not found');
  });
});

/** One raw HTTP/1.1 request on a socket the test controls; resolves once the whole response arrived. */
function rawGet(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('utf8');
      const headerEnd = received.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const head = received.slice(0, headerEnd);
      const length = /^content-length: (\d+)$/im.exec(head)?.[1];
      const complete =
        length === undefined ? received.endsWith('\r\n0\r\n\r\n') : received.length >= headerEnd + 4 + Number(length);
      if (complete) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  });
}

async function openSocket(fake: FakeTwitch): Promise<Socket> {
  const { hostname, port } = new URL(fake.origin);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

describe('recording', () => {
  const fixture = useFakeTwitch();
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  it('records method, endpoint, url, query, lower-case headers, form fields, raw body and connection', async () => {
    const { fake } = fixture;
    await call(`${fake.authBaseUrl}/validate?probe=1&x=a%20b`, {
      headers: { 'X-Probe': 'Yes', Authorization: 'OAuth t' },
    });
    const body = new URLSearchParams({ client_id: 'abc', client_secret: 's e/c', grant_type: 'client_credentials' });
    await call(`${fake.authBaseUrl}/token`, { method: 'POST', body });

    expect(fake.requests).toHaveLength(2);
    const [get, post] = fake.requests;
    expect(get).toMatchObject({
      method: 'GET',
      endpoint: '/validate',
      url: '/oauth2/validate?probe=1&x=a%20b',
      query: { probe: '1', x: 'a b' },
      form: {},
      body: '',
    });
    expect(get!.headers['x-probe']).toBe('Yes');
    expect(get!.headers['authorization']).toBe('OAuth t');
    expect(Object.keys(get!.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(get!.receivedAt).toBeTypeOf('number');

    expect(post).toMatchObject({
      method: 'POST',
      endpoint: '/token',
      url: '/oauth2/token',
      query: {},
      form: { client_id: 'abc', client_secret: 's e/c', grant_type: 'client_credentials' },
      body: body.toString(),
    });
    expect(post!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    // fetch may or may not reuse the connection (see below for exact numbering over raw sockets).
    for (const request of [get!, post!]) {
      expect(request.connection).toBeGreaterThanOrEqual(1);
      expect(request.connection).toBeLessThanOrEqual(fake.connectionCount);
    }
  });

  it('parses no form fields from a body that is not a form', async () => {
    const { fake } = fixture;
    await call(`${fake.authBaseUrl}/token`, {
      method: 'POST',
      body: '{"client_id":"abc"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(fake.requests[0]).toMatchObject({ form: {}, body: '{"client_id":"abc"}' });
  });

  it('filters with requestsTo() and forgets with clearRecords()', async () => {
    const { fake } = fixture;
    await call(`${fake.authBaseUrl}/validate`);
    await postForm(`${fake.authBaseUrl}/revoke`, { client_id: 'x', token: 'y' });
    await call(`${fake.authBaseUrl}/validate`);
    expect(fake.requestsTo('/validate')).toHaveLength(2);
    expect(fake.requestsTo('/revoke').map((request) => request.form)).toEqual([{ client_id: 'x', token: 'y' }]);
    expect(fake.requestsTo('/token')).toEqual([]);

    fake.clearRecords();
    expect(fake.requests).toEqual([]);
    expect(fake.connectionCount).toBe(0);
    await call(`${fake.authBaseUrl}/validate`);
    expect(fake.requests).toHaveLength(1);
  });

  it('numbers connections in the order they opened, not in the order their first request came', async () => {
    const { fake } = fixture;
    const first = await openSocket(fake);
    const second = await openSocket(fake);
    sockets.push(first, second);
    while (fake.connectionCount < 2) await sleep(2);

    await rawGet(second, '/oauth2/validate');
    await rawGet(first, '/oauth2/validate');
    await rawGet(second, '/oauth2/validate');
    expect(fake.requests.map((request) => request.connection)).toEqual([2, 1, 2]);
  });

  it('never gives a connection opened after clearRecords() the number of an older one', async () => {
    const { fake } = fixture;
    const old = await openSocket(fake);
    sockets.push(old);
    await rawGet(old, '/oauth2/validate');
    fake.clearRecords();

    const fresh = await openSocket(fake);
    sockets.push(fresh);
    while (fake.connectionCount < 1) await sleep(2);
    await rawGet(fresh, '/oauth2/validate');
    await rawGet(old, '/oauth2/validate');
    // Only the fresh connection counts; the old one, kept alive, still carries requests.
    expect(fake.connectionCount).toBe(1);
    expect(fake.requests).toHaveLength(2);
    const [onFresh, onOld] = fake.requests.map((request) => request.connection);
    expect(onFresh).not.toBe(onOld);
  });
});

describe('faults', () => {
  const fixture = useFakeTwitch();

  it("answers a status with Twitch's body shape by default", async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/token', status: 503 });
    const reply = await postForm(`${fake.authBaseUrl}/token`, { client_id: DEMO_APP.clientId });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(json(reply)).toEqual({ status: 503, message: 'Service Unavailable' });
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('answers the raw broken bodies', async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/validate', status: 502, body: FAULT_BODIES.html });
    fake.injectFault({ endpoint: '/validate', status: 401, body: FAULT_BODIES.empty });
    fake.injectFault({ endpoint: '/validate', body: FAULT_BODIES.malformed });
    const url = `${fake.authBaseUrl}/validate`;

    const html = await call(url);
    expect(html.status).toBe(502);
    expect(html.text).toBe(FAULT_BODIES.html);
    expect(html.text).toContain('<html>');

    const empty = await call(url);
    expect(empty.status).toBe(401);
    expect(empty.text).toBe('');

    const malformed = await call(url);
    expect(malformed.status).toBe(200);
    expect(malformed.text).toBe(FAULT_BODIES.malformed);
    expect(() => JSON.parse(malformed.text) as unknown).toThrow(SyntaxError);
  });

  it('adds extra headers', async () => {
    const { fake } = fixture;
    fake.injectFault({ status: 429, headers: { 'retry-after': '1', 'ratelimit-reset': '1767225600' } });
    const reply = await call(`${fake.authBaseUrl}/validate`);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.headers.get('ratelimit-reset')).toBe('1767225600');
    expect(json(reply)).toEqual({ status: 429, message: 'Too Many Requests' });
  });

  it('adds headers alone to the normal answer', async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/validate', headers: { 'retry-after': '7' } });
    const reply = await call(`${fake.authBaseUrl}/validate`);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('retry-after')).toBe('7');
    expect(json(reply)).toEqual({ status: 401, message: 'missing authorization token' });
    expect((await call(`${fake.authBaseUrl}/validate`)).headers.get('retry-after')).toBeNull();
  });

  it('fires `times` times, then answers normally, counting down `remaining`', async () => {
    const { fake } = fixture;
    const handle = fake.injectFault({ endpoint: '/validate', status: 500, times: 2 });
    expect(handle.remaining).toBe(2);
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(500);
    expect(handle.remaining).toBe(1);
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(500);
    expect(handle.remaining).toBe(0);
    expect(json(await call(`${fake.authBaseUrl}/validate`))).toEqual({
      status: 401,
      message: 'missing authorization token',
    });
    expect(handle.remaining).toBe(0);
  });

  it('fires once by default, every time with Infinity, and never after clearFaults()', async () => {
    const { fake } = fixture;
    const once = fake.injectFault({ endpoint: '/validate', status: 500 });
    expect(once.remaining).toBe(1);
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(500);
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(401);

    const always = fake.injectFault({ endpoint: '/validate', status: 502, times: Infinity });
    for (let i = 0; i < 3; i += 1) expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(502);
    expect(always.remaining).toBe(Infinity);
    fake.clearFaults();
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(401);
  });

  it('applies faults in the order given', async () => {
    const { fake } = fixture;
    fake.injectFault({ status: 500 });
    fake.injectFault({ status: 503 });
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(500);
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(503);
  });

  it('filters by endpoint and method', async () => {
    const { fake } = fixture;
    const onToken = fake.injectFault({ endpoint: '/token', status: 500, times: Infinity });
    const onGet = fake.injectFault({ method: 'GET', endpoint: '/revoke', status: 502, times: Infinity });
    // Neither matches: normal answers.
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(401);
    const revoke = await postForm(`${fake.authBaseUrl}/revoke`, { client_id: 'nobody', token: 'x' });
    expect(revoke.status).toBe(404);
    expect(onGet.remaining).toBe(Infinity);
    // Matches.
    expect((await postForm(`${fake.authBaseUrl}/token`, {})).status).toBe(500);
    expect((await call(`${fake.authBaseUrl}/revoke`)).status).toBe(502);
    expect(onToken.remaining).toBe(Infinity);

    const postOnly = fake.injectFault({ method: 'POST', status: 418 });
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(401);
    expect(postOnly.remaining).toBe(1);
    expect((await postForm(`${fake.authBaseUrl}/device`, {})).status).toBe(418);
    expect(postOnly.remaining).toBe(0);
  });

  it('delays, then answers normally, with delayMs alone', async () => {
    const { fake } = fixture;
    const { accessToken } = fake.issueUserToken();
    fake.injectFault({ endpoint: '/validate', delayMs: 300 });
    const order: string[] = [];
    const slow = validate(fake, accessToken).then((reply) => {
      order.push('slow');
      return reply;
    });
    await untilRecorded(fake, 1);
    // The delayed request is held while another one is answered.
    const fast = await call(`${fake.authBaseUrl}/nothing-here`);
    order.push('fast');
    expect(fast.status).toBe(404);
    const slowReply = await slow;
    expect(order).toEqual(['fast', 'slow']);
    expect(slowReply.status).toBe(200);
    expect(jsonObject(slowReply)).toMatchObject({ login: DEMO_USER.login });
  });

  it('delays, then applies the rest of the fault', async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/validate', delayMs: 20, status: 504 });
    expect((await call(`${fake.authBaseUrl}/validate`)).status).toBe(504);
  });

  it('destroys the connection with reset, and answers the next request', async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/token', reset: true });
    const error = await rejectionOf(postForm(`${fake.authBaseUrl}/token`, { client_id: DEMO_APP.clientId }));
    expect(error).toBeInstanceOf(TypeError);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    const next = await postForm(`${fake.authBaseUrl}/token`, { client_id: 'nobody' });
    expect(next.status).toBe(400);
  });

  it('sends a body larger than 1 MiB with oversizeBody', async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/validate', oversizeBody: true });
    const response = await fetch(`${fake.authBaseUrl}/validate`);
    expect(response.status).toBe(200);
    const body = await response.arrayBuffer();
    expect(body.byteLength).toBeGreaterThan(1024 * 1024);
  });

  it('sends an oversize body with the given status', async () => {
    const { fake } = fixture;
    fake.injectFault({ endpoint: '/token', oversizeBody: true, status: 400 });
    const response = await fetch(`${fake.authBaseUrl}/token`, { method: 'POST', body: '' });
    expect(response.status).toBe(400);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1024 * 1024);
  });

  it('closes promptly while a request is being delayed, leaving no open connections', async () => {
    const fake = await startFake();
    fake.injectFault({ endpoint: '/validate', delayMs: 60_000 });
    const pending = rejectionOf(call(`${fake.authBaseUrl}/validate`));
    await untilRecorded(fake, 1);
    expect(fake.openConnections).toBe(1);
    // A 60 s wait would run into the test timeout (20 s): close() must not wait for the delay.
    await fake.close();
    expect(fake.openConnections).toBe(0);
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it('closes idle kept-alive connections too', async () => {
    const fake = await startFake();
    await call(`${fake.authBaseUrl}/validate`);
    expect(fake.openConnections).toBe(1);
    await fake.close();
    expect(fake.openConnections).toBe(0);
    expect(await rejectionOf(call(`${fake.authBaseUrl}/validate`))).toBeInstanceOf(TypeError);
  });
});

describe('paths', () => {
  const fixture = useFakeTwitch({ authorize: 'approve' });

  it('serves the identity service below /oauth2 on 127.0.0.1', () => {
    expect(fixture.fake.authBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2$/);
    expect(fixture.fake.authBaseUrl).toBe(`${fixture.fake.origin}/oauth2`);
  });

  it('answers unknown paths, wrong methods and paths outside the base path with 404 JSON', async () => {
    const { fake } = fixture;
    const replies = [
      await call(`${fake.authBaseUrl}/nothing-here`),
      await call(fake.authBaseUrl),
      await call(`${fake.authBaseUrl}/`),
      await call(`${fake.authBaseUrl}/token`), // GET
      await postForm(`${fake.authBaseUrl}/validate`, {}),
      await call(`${fake.origin}/`),
      await call(`${fake.origin}/validate`), // the base path left out
      await postForm(`${fake.origin}/token`, { client_id: DEMO_APP.clientId }),
      await call(`${fake.origin}/oauth2x/validate`),
      await call(`${fake.origin}/favicon.ico`),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(404);
      expect(reply.headers.get('content-type')).toBe('application/json');
      expect(json(reply)).toEqual({ status: 404, message: 'Not Found' });
    }
  });

  it('serves every endpoint below /auth too, as the twitch CLI mock-api does', async () => {
    const { fake } = fixture;
    const base = `${fake.origin}/auth`;

    fake.identity.authorizeMode = 'approve';
    const code = redirectQuery(await call(authorizeUrl(base, authorizeParams())))['code']!;
    fake.identity.authorizeMode = 'consent';
    const consent = formOf((await call(authorizeUrl(base, authorizeParams()))).text);
    expect(consent.action).toBe('/auth/authorize');
    const viaForm = await postForm(`${fake.origin}${consent.action}`, { ...consent.fields, decision: 'approve' });
    expect(redirectQuery(viaForm)).toHaveProperty('code');

    const token = await postForm(`${base}/token`, {
      client_id: DEMO_APP.clientId,
      client_secret: SECRET,
      code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
    });
    expect(token.status).toBe(200);
    const accessToken = field(token, 'access_token');
    const refreshed = await postForm(`${base}/token`, {
      client_id: DEMO_APP.clientId,
      client_secret: SECRET,
      grant_type: 'refresh_token',
      refresh_token: field(token, 'refresh_token'),
    });
    expect(refreshed.status).toBe(200);

    const validated = await getWithAuth(`${base}/validate`, `OAuth ${accessToken}`);
    expect(jsonObject(validated)).toMatchObject({ login: DEMO_USER.login });

    const { accessToken: openidToken } = fake.issueUserToken({ scopes: ['openid'] });
    const userInfo = await getWithAuth(`${base}/userinfo`, `Bearer ${openidToken}`);
    expect(jsonObject(userInfo)).toMatchObject({ sub: DEMO_USER.id });

    const device = jsonObject(await postForm(`${base}/device`, { client_id: DEMO_PUBLIC_APP.clientId, scopes: '' }));
    const verificationUri = device['verification_uri'] as string;
    expect(verificationUri).toBe(`${fake.origin}/auth/activate?device-code=${device['user_code'] as string}`);
    const activation = formOf((await call(verificationUri)).text);
    expect(activation.action).toBe('/auth/activate');
    const activated = await postForm(`${fake.origin}${activation.action}`, {
      ...activation.fields,
      decision: 'approve',
    });
    expect(activated.status).toBe(200);
    const deviceToken = await postForm(`${base}/token`, {
      client_id: DEMO_PUBLIC_APP.clientId,
      device_code: device['device_code'] as string,
      grant_type: DEVICE_GRANT,
    });
    expect(deviceToken.status).toBe(200);

    const revoked = await postForm(`${base}/revoke`, { client_id: DEMO_APP.clientId, token: accessToken });
    expect(revoked.status).toBe(200);
    expect(revoked.text).toBe('');

    expect((await call(`${base}/nothing-here`)).status).toBe(404);

    // Recorded without the base path.
    expect(new Set(fake.requests.map((request) => request.endpoint))).toEqual(
      new Set(['/authorize', '/token', '/validate', '/userinfo', '/device', '/activate', '/revoke', '/nothing-here']),
    );
    expect(fake.requests.every((request) => request.url.startsWith('/auth/'))).toBe(true);
  });
});

describe('fields in the query string of a POST', () => {
  const twitch = useFakeTwitch();

  it('are accepted at /token and /revoke as Twitch accepts them, the body winning', async () => {
    const { fake } = twitch;
    const { refreshToken } = fake.issueUserToken();
    const query = new URLSearchParams({
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret ?? '',
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    const answer = await fetch(`${fake.authBaseUrl}/token?${query.toString()}`, { method: 'POST' });
    expect(answer.status).toBe(200);
    const overridden = await fetch(`${fake.authBaseUrl}/token?${query.toString()}`, {
      method: 'POST',
      body: new URLSearchParams({ refresh_token: 'not-the-one' }),
    });
    expect(overridden.status).toBe(400);
  });
});

describe('multipart/form-data bodies', () => {
  // The official twitch CLI posts /device as multipart/form-data, and Twitch accepts it on every POST.
  const twitch = useFakeTwitch({ authorize: 'consent' });

  function postMultipart(url: string, fields: Fields): Promise<Reply> {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return call(url, { method: 'POST', body });
  }

  it('starts a device authorization from a multipart POST /device, as the twitch CLI sends it', async () => {
    const { fake } = twitch;
    const reply = await postMultipart(`${fake.authBaseUrl}/device`, {
      client_id: DEMO_PUBLIC_APP.clientId,
      scopes: 'chat:read chat:edit',
    });
    expect(reply.status).toBe(200);
    expect(jsonObject(reply)).toMatchObject({ expires_in: 1800, interval: 5 });
    const [request] = fake.requestsTo('/device');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.form).toEqual({ client_id: DEMO_PUBLIC_APP.clientId, scopes: 'chat:read chat:edit' });
  });

  it('refreshes, revokes and decides consent from multipart bodies too', async () => {
    const { fake } = twitch;
    const { accessToken, refreshToken } = fake.issueUserToken();
    const refreshed = await postMultipart(`${fake.authBaseUrl}/token`, {
      client_id: DEMO_APP.clientId,
      client_secret: SECRET,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    expect(refreshed.status).toBe(200);
    const revoked = await postMultipart(`${fake.authBaseUrl}/revoke`, {
      client_id: DEMO_APP.clientId,
      token: accessToken,
    });
    expect(revoked.status).toBe(200);
    const consent = await postMultipart(`${fake.authBaseUrl}/authorize`, {
      client_id: DEMO_APP.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'chat:read',
      state: 'st4te',
      decision: 'approve',
    });
    expect(consent.status).toBe(302);
    expect(consent.headers.get('location')).toMatch(
      /^http:\/\/localhost:17563\?code=[a-z0-9]+&scope=chat%3Aread&state=st4te$/,
    );
  });

  it('reads non-ASCII values and ignores file parts', async () => {
    const { fake } = twitch;
    const body = new FormData();
    body.append('client_id', DEMO_PUBLIC_APP.clientId);
    body.append('scopes', 'chat:read');
    body.append('note', 'héllo ✓');
    body.append('upload', new Blob(['ignored']), 'file.txt');
    expect((await call(`${fake.authBaseUrl}/device`, { method: 'POST', body })).status).toBe(200);
    expect(fake.requestsTo('/device')[0]?.form).toEqual({
      client_id: DEMO_PUBLIC_APP.clientId,
      scopes: 'chat:read',
      note: 'héllo ✓',
    });
  });
});

describe("the twitch CLI mock-api's user_token grant (POST /authorize?grant_type=user_token)", () => {
  const twitch = useFakeTwitch();

  function mockToken(fake: FakeTwitch, fields: Fields): Promise<Reply> {
    return call(`${fake.origin}/auth/authorize?${new URLSearchParams(fields).toString()}`, { method: 'POST' });
  }
  const grant = {
    client_id: DEMO_APP.clientId,
    client_secret: SECRET,
    grant_type: 'user_token',
    user_id: DEMO_USER.id,
  };

  it('grants the scopes on the mock list, and refuses others as the mock does', async () => {
    const { fake } = twitch;
    const granted = await mockToken(fake, { ...grant, scope: 'user:read:email moderator:read:chatters' });
    expect(granted.status).toBe(200);
    expect(jsonObject(granted)).toMatchObject({
      refresh_token: '',
      scope: ['user:read:email', 'moderator:read:chatters'],
    });
    for (const scope of [
      'chat:read',
      'chat:edit',
      'user:read:chat',
      'user:bot',
      'channel:bot',
      'user:read:email chat:read',
    ]) {
      const refused = await mockToken(fake, { ...grant, scope });
      expect(refused.status).toBe(400);
      expect(json(refused)).toEqual({ error: 'Bad Request', status: 400, message: 'Invalid scopes requested' });
    }
  });

  it('checks in the mock order: missing field, then scopes, then the client secret', async () => {
    const { fake } = twitch;
    const { user_id: _, ...withoutUser } = grant;
    expect(json(await mockToken(fake, { ...withoutUser, scope: 'chat:read' }))).toMatchObject({
      message: 'missing required parameter',
    });
    expect(json(await mockToken(fake, { ...grant, client_secret: 'wrong', scope: 'chat:read' }))).toMatchObject({
      message: 'Invalid scopes requested',
    });
    expect(json(await mockToken(fake, { ...grant, client_secret: 'wrong' }))).toMatchObject({
      message: 'Client ID/Secret invalid',
    });
  });
});
