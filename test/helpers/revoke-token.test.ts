import { describe, expect, it } from 'vitest';
import {
  InvalidRefreshTokenError,
  refreshAccessToken,
  revokeToken,
  TwitchAPIError,
  TwitchBackendError,
  validateToken,
} from '../../src/index.js';
import { DEMO_APP } from '../../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from '../support/fake.js';

describe('revokeToken', () => {
  const twitch = useFakeTwitch();

  it('revokes a token (true), which ends its refresh token too; sent as a form, never in the URL', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken();

    expect(await revokeToken(DEMO_APP.clientId, login.accessToken, options)).toBe(true);

    expect(await validateToken(login.accessToken, options)).toMatchObject({ valid: false });
    const refreshError = await rejectionOf(
      refreshAccessToken(login.refreshToken, DEMO_APP.clientId, DEMO_APP.clientSecret, options),
    );
    expect(refreshError).toBeInstanceOf(InvalidRefreshTokenError);
    const [request] = fake.requestsTo('/revoke');
    expect(request?.url).toBe('/oauth2/revoke');
    expect(request?.form).toEqual({ client_id: DEMO_APP.clientId, token: login.accessToken });
  });

  it('answers false for an unknown token (400) and an unknown client (404)', async () => {
    const { fake, options } = twitch;
    expect(await revokeToken(DEMO_APP.clientId, 'notatoken', options)).toBe(false);
    expect(await revokeToken('nosuchclient', fake.issueUserToken().accessToken, options)).toBe(false);
  });

  it('answers false the second time a token is revoked', async () => {
    const { fake, options } = twitch;
    const { accessToken } = fake.issueUserToken();
    expect(await revokeToken(DEMO_APP.clientId, accessToken, options)).toBe(true);
    expect(await revokeToken(DEMO_APP.clientId, accessToken, options)).toBe(false);
  });

  it('throws for outages after retrying, and for refusals other than 400 and 404', async () => {
    const { fake, options } = twitch;
    fake.injectFault({ endpoint: '/revoke', status: 500, times: 3 });
    expect(await rejectionOf(revokeToken(DEMO_APP.clientId, 'tok', options))).toBeInstanceOf(TwitchBackendError);
    expect(fake.requestsTo('/revoke')).toHaveLength(3);

    fake.injectFault({ endpoint: '/revoke', status: 401 });
    const error = await rejectionOf(revokeToken(DEMO_APP.clientId, 'tok', options));
    expect(error).toBeInstanceOf(TwitchAPIError);
    expect(error).toMatchObject({ status: 401, endpoint: 'POST /revoke', transient: false });
  });
});
