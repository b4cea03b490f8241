import { describe, expect, it } from 'vitest';
import {
  getAppAccessToken,
  TwitchAPIError,
  TwitchBackendError,
  TwitchNetworkError,
  validateToken,
} from '../../src/index.js';
import { DEMO_APP, FAULT_BODIES } from '../../src/testing/index.js';
import { rejectionOf, useFakeTwitch } from '../support/fake.js';

describe('validateToken', () => {
  const twitch = useFakeTwitch();

  it('describes a valid user token, asking with an OAuth header and no query string', async () => {
    const { fake, options } = twitch;
    const login = fake.issueUserToken({ scopes: ['chat:read'] });

    const info = await validateToken(login.accessToken, options);

    expect(info).toEqual({
      valid: true,
      clientId: DEMO_APP.clientId,
      login: 'twitchdev',
      userId: '141981764',
      scopes: ['chat:read'],
      expiresIn: expect.any(Number) as number,
    });
    if (info.valid) expect(info.expiresIn).toBeLessThanOrEqual(14_124);
    const [request] = fake.requestsTo('/validate');
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('/oauth2/validate');
    expect(request?.headers['authorization']).toBe(`OAuth ${login.accessToken}`);
  });

  it('gives null login and user id for an app token', async () => {
    const { options } = twitch;
    const app = await getAppAccessToken(DEMO_APP.clientId, DEMO_APP.clientSecret ?? '', [], options);
    expect(await validateToken(app.accessToken, options)).toMatchObject({
      valid: true,
      clientId: DEMO_APP.clientId,
      login: null,
      userId: null,
      scopes: [],
    });
  });

  it('answers { valid: false } for an invalid or expired token, like the original, without retrying', async () => {
    const { fake, options } = twitch;
    expect(await validateToken('notatoken', options)).toEqual({
      valid: false,
      status: 401,
      message: 'invalid access token',
    });
    const login = fake.issueUserToken();
    fake.identity.expireAccessToken(login.accessToken);
    expect(await validateToken(login.accessToken, options)).toMatchObject({ valid: false, status: 401 });
    expect(fake.requestsTo('/validate')).toHaveLength(2);
  });

  it('tolerates the twitch CLI mock, which answers 401 with an empty body', async () => {
    const { fake, options } = twitch;
    fake.injectFault({ endpoint: '/validate', status: 401, body: FAULT_BODIES.empty });
    expect(await validateToken('whatever', options)).toEqual({
      valid: false,
      status: 401,
      message: 'invalid access token',
    });
  });

  it('throws for failures that say nothing about the token: outages and network errors', async () => {
    const { fake, options } = twitch;
    fake.injectFault({ endpoint: '/validate', status: 503, times: 3 });
    expect(await rejectionOf(validateToken('tok', options))).toBeInstanceOf(TwitchBackendError);

    const closed = fake.origin;
    await fake.close();
    const error = await rejectionOf(validateToken('tok', { ...options, authBaseUrl: `${closed}/oauth2` }));
    expect(error).toBeInstanceOf(TwitchNetworkError);
  });

  it('throws TwitchAPIError for an answer that is neither valid nor invalid (e.g. 400)', async () => {
    const { fake, options } = twitch;
    fake.injectFault({ endpoint: '/validate', status: 400 });
    const error = await rejectionOf(validateToken('tok', options));
    expect(error).toBeInstanceOf(TwitchAPIError);
    expect(error).toMatchObject({ status: 400, endpoint: 'GET /validate' });
  });
});
