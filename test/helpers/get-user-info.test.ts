import { describe, expect, it } from 'vitest';
import { getUserInfo, InvalidTokenError } from '../../src/index.js';
import { DEMO_APP } from '../../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from '../support/fake.js';

describe('getUserInfo', () => {
  const twitch = useFakeTwitch();

  it('maps the OIDC claims to camelCase and keeps the raw claims, asking with a Bearer header', async () => {
    const { fake, options } = twitch;
    const { accessToken } = fake.issueUserToken({ scopes: ['openid', 'user:read:email'] });

    const info = await getUserInfo(accessToken, options);

    expect(info).toMatchObject({
      userId: '141981764',
      login: 'twitchdev',
      email: 'twitchdev@example.com',
      emailVerified: true,
      issuer: fake.authBaseUrl,
      audience: DEMO_APP.clientId,
    });
    expect(info.picture).toMatch(/^https:\/\//);
    expect(info.claims).toMatchObject({ sub: '141981764', preferred_username: 'twitchdev' });
    expect(fake.requestsTo('/userinfo')[0]?.headers['authorization']).toBe(`Bearer ${accessToken}`);
  });

  it('leaves out what the scopes do not grant', async () => {
    const { fake, options } = twitch;
    const info = await getUserInfo(fake.issueUserToken({ scopes: ['openid'] }).accessToken, options);
    expect(info.email).toBeUndefined();
    expect(info.emailVerified).toBeUndefined();
  });

  it('throws InvalidTokenError for an invalid token or one without the openid scope', async () => {
    const { fake, options } = twitch;
    const invalid = await rejectionOf(getUserInfo('notatoken', options));
    expect(invalid).toBeInstanceOf(InvalidTokenError);
    expect(invalid).toMatchObject({ status: 401, endpoint: 'GET /userinfo', transient: false });

    const noOpenId = await rejectionOf(
      getUserInfo(fake.issueUserToken({ scopes: ['chat:read'] }).accessToken, options),
    );
    expect(noOpenId).toBeInstanceOf(InvalidTokenError);
    expect(String(noOpenId)).toMatch(/scope/);
  });
});
