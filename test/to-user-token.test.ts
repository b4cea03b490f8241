import { describe, expect, it } from 'vitest';
import {
  MAX_EXPIRES_IN_SECONDS,
  resolveUserToken,
  toUserToken,
  UserToken,
  type TwurpleAccessTokenData,
  type UserTokenData,
  type UserTokenPair,
} from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP } from '../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from './support/fake.js';

const fields = {
  accessToken: 'access0123456789abcdefghijklmn',
  refreshToken: 'refresh0123456789abcdefghijklmnopqrstuvwxyz01234567',
  expiresIn: 14_124,
  scopes: ['chat:read'],
  tokenType: 'bearer',
  obtainedAt: 1_795_000_000_000,
};

const twurple: TwurpleAccessTokenData = {
  accessToken: fields.accessToken,
  refreshToken: fields.refreshToken,
  scope: ['chat:read'],
  expiresIn: 14_124,
  obtainmentTimestamp: 1_795_000_000_000,
};

describe('toUserToken (plain token data)', () => {
  it('returns a UserToken as it is', () => {
    const token = new UserToken(fields);
    expect(toUserToken(token)).toBe(token);
  });

  it('takes the JSON fields a UserToken writes, from an object or a JSON round trip', () => {
    const token = toUserToken(JSON.parse(JSON.stringify(new UserToken(fields))) as UserTokenData);
    expect(token).toBeInstanceOf(UserToken);
    expect(token.toJSON()).toEqual(fields);
    const { tokenType: _, ...withoutType } = fields;
    expect(toUserToken(withoutType).tokenType).toBe('bearer');
  });

  it("takes twurple's AccessToken shape; an unknown lifetime (null) counts as expired", () => {
    expect(toUserToken(twurple).toJSON()).toEqual(fields);
    const unknownLifetime = toUserToken({ ...twurple, expiresIn: null });
    expect(unknownLifetime.expiresIn).toBe(0);
    expect(unknownLifetime.isExpired(0, twurple.obtainmentTimestamp)).toBe(true);
  });

  it('clamps absurd or negative lifetimes instead of refusing the token', () => {
    expect(toUserToken({ ...fields, expiresIn: 1e308 }).expiresIn).toBe(MAX_EXPIRES_IN_SECONDS);
    expect(toUserToken({ ...fields, expiresIn: Infinity }).expiresIn).toBe(MAX_EXPIRES_IN_SECONDS);
    expect(toUserToken({ ...fields, expiresIn: -5 }).expiresIn).toBe(0);
    expect(() => new Date(toUserToken({ ...fields, expiresIn: 1e13 }).expiresAt).toISOString()).not.toThrow();
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'no refreshToken',
      { ...fields, refreshToken: undefined },
      /"refreshToken" must be a non-empty string; it is missing/,
    ],
    [
      'an empty accessToken',
      { ...fields, accessToken: '' },
      /"accessToken" must be a non-empty string; it is an empty string/,
    ],
    [
      'no obtainedAt',
      { ...fields, obtainedAt: undefined },
      /"obtainedAt" must be a time in epoch milliseconds; it is missing/,
    ],
    ['a string lifetime', { ...fields, expiresIn: '14124' }, /"expiresIn" must be a number of seconds; it is a string/],
    ['a NaN lifetime', { ...fields, expiresIn: NaN }, /"expiresIn" must be a number of seconds; it is NaN/],
    ['scopes as a string', { ...fields, scopes: 'chat:read' }, /"scopes" must be an array of scope strings/],
    ['a numeric tokenType', { ...fields, tokenType: 1 }, /"tokenType" must be a string/],
    [
      'a line break in a token',
      { ...fields, accessToken: 'abc\r\ndef' },
      /"accessToken" must not contain spaces, line breaks/,
    ],
    ["twurple's null refreshToken", { ...twurple, refreshToken: null }, /"refreshToken" is null/],
    ["twurple's missing obtainmentTimestamp", { ...twurple, obtainmentTimestamp: undefined }, /"obtainmentTimestamp"/],
    ["twurple's missing scope", { ...twurple, scope: undefined, obtainmentTimestamp: 1 }, /"scope" must be an array/],
    [
      'null',
      null,
      /must be a UserToken, its JSON fields, twurple's AccessToken or an \[accessToken, refreshToken\] pair; got null/,
    ],
    ['a pair (needs resolveUserToken)', ['a', 'b'], /resolveUserToken/],
  ];
  for (const [what, data, message] of bad) {
    it(`refuses ${what} with a TypeError naming the field, never its value`, () => {
      let error: unknown;
      try {
        toUserToken(data as UserTokenData);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).toMatch(message);
      expect(String(error)).not.toContain(fields.refreshToken);
      expect(String(error)).not.toContain(fields.accessToken);
    });
  }
});

describe('resolveUserToken', () => {
  const twitch = useFakeTwitch();

  it('validates an [accessToken, refreshToken] pair once to learn its lifetime and scopes', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken({ scopes: ['chat:read', 'chat:edit'] });
    const before = Date.now();
    const token = await resolveUserToken([login.accessToken, login.refreshToken], {
      ...options,
      appId: DEMO_APP.clientId,
    });
    expect(token).toBeInstanceOf(UserToken);
    expect(token.toJSON()).toMatchObject({
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      scopes: ['chat:read', 'chat:edit'],
      tokenType: 'bearer',
    });
    expect(token.expiresIn).toBeGreaterThan(14_000);
    expect(token.obtainedAt).toBeGreaterThanOrEqual(before);
    expect(fake.requestsTo('/validate')).toHaveLength(1);
    expect(fake.requestsTo('/token')).toHaveLength(0);
  });

  it('keeps a pair whose access token died, for its refresh token: expired, to be refreshed first', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken({ scopes: ['chat:read'] });
    fake.identity.expireAccessToken(login.accessToken);
    const token = await resolveUserToken([login.accessToken, login.refreshToken], options);
    expect(token.expiresIn).toBe(0);
    expect(token.scopes).toEqual([]);
    expect(token.refreshToken).toBe(login.refreshToken);
  });

  it('refuses a pair of another app when appId is given', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    const error = await rejectionOf(
      resolveUserToken([login.accessToken, login.refreshToken], { ...options, appId: DEMO_APP.clientId }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/belongs to another app/);
  });

  it('refuses a bad pair before anything is sent', async () => {
    const { fake, options } = twitch;
    for (const pair of [['only-one'], ['abc', ''], ['abc', 42], ['ab\ncd', 'efg'], ['ab\u0100cd', 'efg']]) {
      const error = await rejectionOf(resolveUserToken(pair as unknown as UserTokenPair, options));
      expect(error).toBeInstanceOf(TypeError);
    }
    expect(String(await rejectionOf(resolveUserToken(['abc', ''], options)))).toMatch(
      /"refreshToken" \(the pair's second item\)/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('takes every shape toUserToken takes, without calling Twitch', async () => {
    const { fake, options } = twitch;
    expect((await resolveUserToken(twurple, options)).toJSON()).toEqual(fields);
    expect((await resolveUserToken(fields, options)).toJSON()).toEqual(fields);
    await expect(resolveUserToken({ ...fields, refreshToken: '' }, options)).rejects.toThrow(/"refreshToken"/);
    expect(fake.requests).toHaveLength(0);
  });
});
