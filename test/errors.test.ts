import { describe, expect, it } from 'vitest';
import {
  InvalidRefreshTokenError,
  InvalidTokenError,
  isTransientError,
  TwitchAPIError,
  TwitchBackendError,
  TwitchNetworkError,
  TwitchRateLimitError,
  UnauthorizedError,
  UnexpectedResponseError,
  validateToken,
} from '../src/index.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from './support/fake.js';

describe('the error hierarchy', () => {
  const details = { status: 400, twitchMessage: 'Invalid refresh token', endpoint: 'POST /token' };
  const errors = [
    new InvalidRefreshTokenError(details),
    new UnauthorizedError({ ...details, status: 403, twitchMessage: 'invalid client secret' }),
    new InvalidTokenError({ ...details, status: 401 }),
    new TwitchBackendError({ ...details, status: 503, attempts: 3 }),
    new TwitchRateLimitError({ ...details, status: 429, attempts: 1, retryAfterMs: 30_000 }),
    new TwitchNetworkError({ endpoint: 'POST /token', origin: 'https://id.twitch.tv', attempts: 3, code: 'ENOTFOUND' }),
    new UnexpectedResponseError({ ...details, status: 200, problem: 'the body is empty' }),
  ];

  it('derives every error from TwitchAPIError and Error, with its own name', () => {
    for (const error of errors) {
      expect(error).toBeInstanceOf(TwitchAPIError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
      expect(error.endpoint).toBe('POST /token');
      expect(error.stack).toContain(error.name);
    }
  });

  it('tells transient failures from permanent ones', () => {
    const transient = errors.filter((error) => isTransientError(error)).map((error) => error.name);
    expect(transient).toEqual(['TwitchBackendError', 'TwitchRateLimitError', 'TwitchNetworkError']);
    expect(isTransientError(new Error('x'))).toBe(false);
    expect(isTransientError('x')).toBe(false);
    expect(
      isTransientError(
        new TwitchNetworkError({
          endpoint: 'GET /x',
          origin: 'o',
          attempts: 1,
          code: 'CERT_HAS_EXPIRED',
          transient: false,
        }),
      ),
    ).toBe(false);
  });

  it('says what happened and what to do next', () => {
    const advice = [
      /authorization flow again/,
      /console/,
      /Refresh it/,
      /try again in a minute/,
      /Wait 30 s/,
      /host name could not be resolved \(ENOTFOUND\).*Check the network/,
      /could not be read: the body is empty/,
    ];
    errors.forEach((error, index) => {
      expect(error.message).toMatch(advice[index] ?? /never/);
    });
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new TwitchNetworkError({ endpoint: 'GET /validate', origin: 'o', attempts: 1, cause }).cause).toBe(cause);
  });
});

describe('secrets in errors from real failures', () => {
  const twitch = useFakeTwitch();

  it('keeps the token out of network and backend errors, causes included', async () => {
    const { fake, options } = twitch;
    const token = 'secretaccesstoken0123456789abc';
    fake.injectFault({ endpoint: '/validate', status: 503, times: 3 });
    expectNoSecretsIn(await rejectionOf(validateToken(token, options)), [token]);
    fake.injectFault({ endpoint: '/validate', reset: true, times: 3 });
    expectNoSecretsIn(await rejectionOf(validateToken(token, options)), [token]);
    fake.injectFault({ endpoint: '/validate', delayMs: 2000, times: 3 });
    expectNoSecretsIn(await rejectionOf(validateToken(token, { ...options, timeoutMs: 50 })), [token]);
  });
});
