import { Agent, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  exchangeCode,
  getAppAccessToken,
  isTransientError,
  refreshAccessToken,
  revokeToken,
  TwitchBackendError,
  TwitchNetworkError,
  TwitchRateLimitError,
  UnauthorizedError,
  UnexpectedResponseError,
  UserToken,
  validateToken,
  type FetchLike,
} from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, FAULT_BODIES } from '../src/testing/index.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from './support/fake.js';

const secret = DEMO_APP.clientSecret ?? '';

describe('the shared HTTP client', () => {
  const twitch = useFakeTwitch();

  describe('retries transient failures', () => {
    it('retries 5xx answers and succeeds when Twitch recovers (default: 3 attempts)', async () => {
      const { fake, options } = twitch;
      const login = fake.issueUserToken();
      fake.injectFault({ endpoint: '/token', status: 503, times: 2 });
      const token = await refreshAccessToken(login.refreshToken, DEMO_APP.clientId, secret, options);
      expect(token.accessToken).toMatch(/^[a-z0-9]{30}$/);
      expect(fake.requestsTo('/token')).toHaveLength(3);
    });

    it('gives up after 3 attempts with a transient TwitchBackendError carrying Twitch message', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', status: 502, body: FAULT_BODIES.html, times: 5 });
      const error = await rejectionOf(validateToken('tok', options));
      expect(error).toBeInstanceOf(TwitchBackendError);
      expect(error).toMatchObject({ status: 502, attempts: 3, transient: true, twitchMessage: undefined });
      expect(isTransientError(error)).toBe(true);
      expect(String(error)).toMatch(/try again/);
      expect(fake.requestsTo('/validate')).toHaveLength(3);

      fake.injectFault({ endpoint: '/validate', status: 500, times: 3 });
      expect(await rejectionOf(validateToken('tok', options))).toMatchObject({
        twitchMessage: 'Internal Server Error',
      });
    });

    it('retries as often as asked, and not at all with retry: 0', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', status: 500, times: 5 });
      expect(await validateToken('tok', { ...options, retry: { limit: 5, baseDelayMs: 1 } })).toMatchObject({
        valid: false,
      });
      expect(fake.requestsTo('/validate')).toHaveLength(6);

      fake.clearRecords();
      fake.injectFault({ endpoint: '/validate', status: 500 });
      expect(await rejectionOf(validateToken('tok', { ...options, retry: 0 }))).toMatchObject({ attempts: 1 });
      expect(fake.requestsTo('/validate')).toHaveLength(1);
    });

    it('retries a reset connection, and reports a TwitchNetworkError when resets persist', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', reset: true });
      expect(await validateToken('tok', options)).toMatchObject({ valid: false });

      fake.injectFault({ endpoint: '/validate', reset: true, times: 3 });
      const error = await rejectionOf(validateToken('tok', options));
      expect(error).toBeInstanceOf(TwitchNetworkError);
      expect(error).toMatchObject({ attempts: 3, timedOut: false, transient: true, endpoint: 'GET /validate' });
      expect(String(error)).toContain(fake.origin);
    });

    it('reports a refused connection with its code after the retries', async () => {
      const { fake, options } = twitch;
      const deadBase = fake.authBaseUrl;
      await fake.close();
      const error = await rejectionOf(revokeToken(DEMO_APP.clientId, 'tok', { ...options, authBaseUrl: deadBase }));
      expect(error).toBeInstanceOf(TwitchNetworkError);
      expect(error).toMatchObject({ code: 'ECONNREFUSED', attempts: 3 });
      expect(String(error)).toMatch(/connection was refused/);
    });

    it('honours Retry-After on a 429, then succeeds', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', status: 429, headers: { 'retry-after': '1' } });
      expect(await validateToken('tok', options)).toMatchObject({ valid: false });
      const [first, second] = fake.requestsTo('/validate');
      // A lower bound on the wait Twitch asked for, not a speed assertion.
      expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    });

    it('fails at once with TwitchRateLimitError when asked to wait longer than maxDelayMs', async () => {
      const { fake, options } = twitch;
      const resetAt = Math.floor(Date.now() / 1000) + 60;
      fake.injectFault({ endpoint: '/validate', status: 429, headers: { 'ratelimit-reset': String(resetAt) } });
      const error = await rejectionOf(validateToken('tok', options));
      expect(error).toBeInstanceOf(TwitchRateLimitError);
      expect(error).toMatchObject({ status: 429, attempts: 1, transient: true });
      expect((error as TwitchRateLimitError).retryAfterMs).toBeGreaterThan(55_000);
      expect(String(error)).toMatch(/Wait \d+ s/);
      expect(fake.requestsTo('/validate')).toHaveLength(1);
    });

    it('reports TwitchRateLimitError when every attempt is rate limited', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', status: 429, times: 3 });
      expect(await rejectionOf(validateToken('tok', options))).toMatchObject({
        name: 'TwitchRateLimitError',
        attempts: 3,
        retryAfterMs: undefined,
      });
    });
  });

  describe('times out and aborts', () => {
    it('gives up on an attempt after timeoutMs and retries it', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', delayMs: 5000 });
      expect(await validateToken('tok', { ...options, timeoutMs: 100 })).toMatchObject({ valid: false });
      expect(fake.requestsTo('/validate')).toHaveLength(2);
    });

    it('reports a TwitchNetworkError that says it timed out', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', delayMs: 5000, times: 2 });
      const error = await rejectionOf(validateToken('tok', { ...options, timeoutMs: 100, retry: 1 }));
      expect(error).toBeInstanceOf(TwitchNetworkError);
      expect(error).toMatchObject({ timedOut: true, attempts: 2, transient: true });
      expect(String(error)).toMatch(/did not answer GET \/validate within 100 ms/);
    });

    it('times out the same way when the caller also passes a signal (then a signal enforces the limit)', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', delayMs: 5000, times: 2 });
      const signal = new AbortController().signal;
      const error = await rejectionOf(validateToken('tok', { ...options, timeoutMs: 100, retry: 1, signal }));
      expect(error).toBeInstanceOf(TwitchNetworkError);
      expect(error).toMatchObject({ timedOut: true, attempts: 2 });
    });

    it('rejects with the signal reason when aborted mid-request, and sends nothing more', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', delayMs: 5000 });
      const controller = new AbortController();
      const pending = validateToken('tok', { ...options, signal: controller.signal });
      while (fake.requestsTo('/validate').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const reason = new Error('bot shutting down');
      controller.abort(reason);
      expect(await rejectionOf(pending)).toBe(reason);
      expect(fake.requestsTo('/validate')).toHaveLength(1);
    });

    it('rejects when aborted while waiting to retry', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', status: 503, times: 3 });
      const controller = new AbortController();
      const pending = validateToken('tok', {
        ...options,
        retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 },
        signal: controller.signal,
      });
      while (fake.requestsTo('/validate').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      expect(await rejectionOf(pending)).toMatchObject({ name: 'AbortError' });
      expect(fake.requestsTo('/validate')).toHaveLength(1);
    });

    it('sends nothing when the signal is already aborted', async () => {
      const { fake, options } = twitch;
      const error = await rejectionOf(validateToken('tok', { ...options, signal: AbortSignal.abort() }));
      expect(error).toMatchObject({ name: 'AbortError' });
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('reads every body defensively', () => {
    const cases: [string, string, RegExp][] = [
      ['an empty body', FAULT_BODIES.empty, /body is empty/],
      ['an HTML page', FAULT_BODIES.html, /HTML page/],
      ['malformed JSON', FAULT_BODIES.malformed, /not valid JSON/],
      ['JSON of the wrong shape', '{"access_token":42,"expires_in":"soon"}', /access_token.*expected string/],
    ];
    for (const [what, body, problem] of cases) {
      it(`turns a 200 with ${what} into an UnexpectedResponseError, without retrying`, async () => {
        const { fake, options } = twitch;
        fake.injectFault({ endpoint: '/token', status: 200, body });
        const error = await rejectionOf(getAppAccessToken(DEMO_APP.clientId, secret, [], options));
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect(error).toMatchObject({ status: 200, endpoint: 'POST /token', transient: false });
        expect((error as UnexpectedResponseError).problem).toMatch(problem);
        expect(error).not.toBeInstanceOf(SyntaxError);
        expect(fake.requestsTo('/token')).toHaveLength(1);
      });
    }

    it('keeps tokens from a wrongly shaped body out of the error', async () => {
      const { fake, options } = twitch;
      const leaked = 'leakedaccesstoken0123456789abc';
      fake.injectFault({
        endpoint: '/token',
        status: 200,
        body: JSON.stringify({ access_token: leaked, expires_in: 'x' }),
      });
      const error = await rejectionOf(refreshAccessToken('tok', DEMO_APP.clientId, secret, options));
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expectNoSecretsIn(error, [leaked, secret]);
    });

    it('stops reading a body larger than any Twitch answer', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/token', oversizeBody: true });
      const error = await rejectionOf(getAppAccessToken(DEMO_APP.clientId, secret, [], options));
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as UnexpectedResponseError).problem).toMatch(/larger/);
    });

    it('never follows a redirect, which could carry the secret elsewhere', async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/token', status: 307, headers: { location: `${fake.origin}/elsewhere` } });
      const error = await rejectionOf(getAppAccessToken(DEMO_APP.clientId, secret, [], options));
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect(String(error)).toMatch(/redirect/);
      expect(fake.requests.map((request) => request.endpoint)).toEqual(['/token']);
    });
  });

  describe('connections', () => {
    it('opens ONE connection for 100 sequential calls', async () => {
      const { fake, options } = twitch;
      const { accessToken, refreshToken } = fake.issueUserToken();
      fake.clearRecords();
      for (let call = 0; call < 100; call++) {
        if (call % 2 === 0) await validateToken(accessToken, options);
        else await refreshAccessToken(refreshToken, DEMO_APP.clientId, secret, options);
      }
      expect(fake.requests).toHaveLength(100);
      expect(fake.connectionCount).toBe(1);
    });

    it('uses a dispatcher given by the caller (proxy, custom CA)', async () => {
      const { fake, options } = twitch;
      const dispatched: string[] = [];
      class RecordingAgent extends Agent {
        override dispatch(request: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
          dispatched.push(`${request.method} ${request.path}`);
          return super.dispatch(request, handler);
        }
      }
      const dispatcher = new RecordingAgent();
      try {
        await validateToken(fake.issueUserToken().accessToken, { ...options, dispatcher });
      } finally {
        await dispatcher.close();
      }
      expect(dispatched).toEqual(['GET /oauth2/validate']);
    });

    it('uses a fetch given by the caller, e.g. the global one that MSW intercepts', async () => {
      const { fake, options } = twitch;
      const seen: string[] = [];
      const recordingFetch: FetchLike = (url, init) => {
        seen.push(`${init.method} ${url}`);
        return globalThis.fetch(url, init);
      };
      const info = await validateToken(fake.issueUserToken().accessToken, { ...options, fetch: recordingFetch });
      expect(info.valid).toBe(true);
      expect(seen).toEqual([`GET ${fake.authBaseUrl}/validate`]);
      // The type is the global fetch's too.
      const globalFetch: FetchLike = globalThis.fetch;
      expect(await validateToken('tok', { ...options, fetch: globalFetch })).toMatchObject({ valid: false });
    });
  });

  describe('options', () => {
    it('accepts a base URL with a trailing slash without losing its path', async () => {
      const { fake, options } = twitch;
      await validateToken('tok', { ...options, authBaseUrl: `${fake.authBaseUrl}/` });
      await validateToken('tok', { ...options, authBaseUrl: `${fake.origin}/auth` });
      expect(fake.requests.map((request) => request.url)).toEqual(['/oauth2/validate', '/auth/validate']);
    });

    it('rejects unusable options with a TypeError naming the option, before sending', async () => {
      const { fake, options } = twitch;
      await expect(validateToken('tok', { ...options, authBaseUrl: 'id.twitch.tv/oauth2' })).rejects.toThrow(
        /authBaseUrl/,
      );
      await expect(validateToken('tok', { ...options, authBaseUrl: 'ftp://id.twitch.tv' })).rejects.toThrow(
        /http or https/,
      );
      await expect(validateToken('tok', { ...options, authBaseUrl: `${fake.authBaseUrl}?x=1` })).rejects.toThrow(
        /query/,
      );
      await expect(validateToken('tok', { ...options, timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
      await expect(validateToken('tok', { ...options, retry: 1.5 })).rejects.toThrow(/retry\.limit/);
      expect(fake.requests).toHaveLength(0);
    });
  });
});

describe('calls that spend something, when the answer is lost', () => {
  const twitch = useFakeTwitch({ authorize: 'approve' });

  it("does not retry a public client's refresh after a lost answer: the outcome is unknown, not 'invalid'", async () => {
    const { fake, options } = twitch;
    const { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    fake.injectFault({ endpoint: '/token', dropAnswer: true });
    const error = await rejectionOf(refreshAccessToken(refreshToken, DEMO_PUBLIC_APP.clientId, null, options));
    expect(error).toBeInstanceOf(TwitchNetworkError);
    expect(error).toMatchObject({ transient: true, attempts: 1 });
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it("retries a confidential client's refresh, whose refresh token can be used again", async () => {
    const { fake, options } = twitch;
    const { refreshToken } = fake.issueUserToken();
    fake.injectFault({ endpoint: '/token', dropAnswer: true });
    expect(await refreshAccessToken(refreshToken, DEMO_APP.clientId, secret, options)).toBeInstanceOf(UserToken);
    expect(fake.requestsTo('/token')).toHaveLength(2);
  });

  it('does not retry a code exchange or a revoke after a lost answer, but does when nothing was sent', async () => {
    const { fake, options } = twitch;
    fake.injectFault({ endpoint: '/token', dropAnswer: true });
    expect(
      await rejectionOf(exchangeCode(DEMO_APP.clientId, secret, 'somecode', 'http://localhost:17563', options)),
    ).toBeInstanceOf(TwitchNetworkError);
    expect(fake.requestsTo('/token')).toHaveLength(1);

    fake.injectFault({ endpoint: '/revoke', dropAnswer: true });
    expect(await rejectionOf(revokeToken(DEMO_APP.clientId, 'tok', options))).toBeInstanceOf(TwitchNetworkError);
    expect(fake.requestsTo('/revoke')).toHaveLength(1);

    const closed = fake.authBaseUrl;
    await fake.close();
    const refused = await rejectionOf(
      exchangeCode(DEMO_APP.clientId, secret, 'c', 'http://localhost:1', { ...options, authBaseUrl: closed }),
    );
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', attempts: 3 });
  });
});

describe('the time limit of an attempt', () => {
  const twitch = useFakeTwitch();

  for (const withSignal of [false, true]) {
    it(`ends an attempt whose body drips, after timeoutMs (${withSignal ? 'caller signal' : 'shared Agent'})`, async () => {
      const { fake, options } = twitch;
      fake.injectFault({ endpoint: '/validate', dripMs: 200 }); // the normal 401 body, a byte at a time
      const signal = withSignal ? { signal: new AbortController().signal } : {};
      const started = Date.now();
      const error = await rejectionOf(validateToken('tok', { ...options, timeoutMs: 300, retry: 0, ...signal }));
      expect(error).toBeInstanceOf(TwitchNetworkError);
      expect(error).toMatchObject({ timedOut: true });
      // A correctness bound, not a speed target: the dripping answer takes over 6 s.
      expect(Date.now() - started).toBeLessThan(3000);
    });
  }
});

describe('request details', () => {
  const twitch = useFakeTwitch();

  it('asks for an uncompressed answer, so the body bound holds', async () => {
    const { fake, options } = twitch;
    await validateToken('tok', options);
    expect(fake.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('treats a null secret (a port of Python None) as a public client', async () => {
    const { fake, options } = twitch;
    const { refreshToken } = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    expect(await refreshAccessToken(refreshToken, DEMO_PUBLIC_APP.clientId, null, options)).toBeInstanceOf(UserToken);
    expect(fake.requestsTo('/token')[0]?.form).not.toHaveProperty('client_secret');
  });

  it('reports an unknown client at the code exchange as refused credentials', async () => {
    const { options } = twitch;
    expect(
      await rejectionOf(exchangeCode('nosuchclient', secret, 'code', 'http://localhost:17563', options)),
    ).toBeInstanceOf(UnauthorizedError);
  });
});

describe('a port that fetch refuses', () => {
  it('is a permanent TwitchNetworkError that names the problem, tried once', async () => {
    const error = await rejectionOf(validateToken('tok', { authBaseUrl: 'http://127.0.0.1:6667/oauth2' }));
    expect(error).toBeInstanceOf(TwitchNetworkError);
    expect(error).toMatchObject({ code: 'ERR_FETCH_BAD_PORT', transient: false, attempts: 1 });
    expect(String(error)).toMatch(/fetch refuses this port/);
  });
});
