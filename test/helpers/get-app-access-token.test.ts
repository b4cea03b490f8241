import { describe, expect, it } from 'vitest';
import { AccessToken, getAppAccessToken, UnauthorizedError, UserToken } from '../../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP } from '../../src/testing/index.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from '../support/fake.js';

const secret = DEMO_APP.clientSecret ?? '';

describe('getAppAccessToken', () => {
  const twitch = useFakeTwitch();

  it('gets an app token with the client credentials grant, the secret in the form only', async () => {
    const { fake, options } = twitch;
    const token = await getAppAccessToken(DEMO_APP.clientId, secret, [], options);

    expect(token).toBeInstanceOf(AccessToken);
    expect(token).not.toBeInstanceOf(UserToken);
    expect(token).toMatchObject({ expiresIn: 5_011_271, tokenType: 'bearer', scopes: [] });
    expect(token.toJSON()).not.toHaveProperty('refreshToken');
    const [request] = fake.requestsTo('/token');
    expect(request?.url).toBe('/oauth2/token');
    expect(request?.form).toEqual({
      client_id: DEMO_APP.clientId,
      client_secret: secret,
      grant_type: 'client_credentials',
    });
  });

  it('asks for scopes space-delimited when given', async () => {
    const { fake, options } = twitch;
    const token = await getAppAccessToken(DEMO_APP.clientId, secret, ['user:read:email', 'bits:read'], options);
    expect(token.scopes).toEqual(['user:read:email', 'bits:read']);
    expect(fake.requestsTo('/token')[0]?.form['scope']).toBe('user:read:email bits:read');
  });

  it('throws UnauthorizedError for a wrong secret or a public client', async () => {
    const { options } = twitch;
    const wrong = await rejectionOf(getAppAccessToken(DEMO_APP.clientId, 'wrongsecret', [], options));
    expect(wrong).toBeInstanceOf(UnauthorizedError);
    expectNoSecretsIn(wrong, ['wrongsecret']);
    const publicClient = await rejectionOf(getAppAccessToken(DEMO_PUBLIC_APP.clientId, 'anysecret', [], options));
    expect(publicClient).toBeInstanceOf(UnauthorizedError);
  });
});
