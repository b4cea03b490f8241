import { describe, expect, it } from 'vitest';
import { TwitchAPIError, UserAuthenticator, validateToken } from '../src/index.js';
import { DEMO_APP, DEMO_USER } from '../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from './support/fake.js';

const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };

describe('UserAuthenticator.mockAuthenticate (the twitch CLI mock API)', () => {
  const twitch = useFakeTwitch();

  it('gets an access token with the user_token grant, as the twitch CLI mock expects it', async () => {
    const { fake } = twitch;
    // A scope on the mock's own list: like the twitch CLI mock, the fake refuses e.g. chat:read there.
    const auth = new UserAuthenticator(app, ['user:read:email'], { authBaseUrl: `${fake.origin}/auth` });
    const accessToken = await auth.mockAuthenticate(DEMO_USER.id);
    expect(typeof accessToken).toBe('string');
    expect(await validateToken(accessToken, { authBaseUrl: fake.authBaseUrl })).toMatchObject({
      valid: true,
      userId: DEMO_USER.id,
      scopes: ['user:read:email'],
    });
    const [request] = fake.requestsTo('/authorize');
    expect(request?.method).toBe('POST');
    expect(request?.query).toEqual({
      client_id: app.appId,
      client_secret: app.appSecret,
      grant_type: 'user_token',
      user_id: DEMO_USER.id,
      scope: 'user:read:email',
    });
  });

  it('throws TwitchAPIError with the mock message for an unknown user, the secret not in it', async () => {
    const { fake } = twitch;
    const auth = new UserAuthenticator(app, [], { authBaseUrl: fake.authBaseUrl });
    const error = await rejectionOf(auth.mockAuthenticate('999'));
    expect(error).toBeInstanceOf(TwitchAPIError);
    expect(error).toMatchObject({ status: 400, twitchMessage: 'User ID invalid', endpoint: 'POST /authorize' });
    expect(String(error)).not.toContain(app.appSecret);
  });

  it('refuses to put the secret in a URL for any host but this machine', async () => {
    const auth = new UserAuthenticator(app, [], { authBaseUrl: 'https://id.twitch.tv/oauth2' });
    await expect(auth.mockAuthenticate(DEMO_USER.id)).rejects.toThrow(
      /only to the twitch CLI mock API on this machine/,
    );
    const remote = new UserAuthenticator(app, [], { authBaseUrl: 'http://192.0.2.10:8080/auth' });
    await expect(remote.mockAuthenticate(DEMO_USER.id)).rejects.toThrow(TypeError);
  });
});
