import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  exchangeCode,
  getAppAccessToken,
  getUserInfo,
  InvalidRefreshTokenError,
  refreshAccessToken,
  revokeToken,
  TwitchBackendError,
  TwitchNetworkError,
  TwitchRateLimitError,
  UnauthorizedError,
  validateToken,
  type FetchLike,
  type HttpOptions,
} from '../src/index.js';
import { DEMO_APP } from '../src/testing/index.js';
import { expectNoSecretsIn, rejectionOf } from './support/fake.js';
import { compressionBomb, startHostileServer, type HostileServer } from './support/hostile-server.js';

const secret = DEMO_APP.clientSecret ?? '';
const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** What test/fixtures/call-against-bomb.mjs prints. */
interface BombOutcome {
  readonly error: { name: string; problem?: string; status?: number; attempts?: number };
  readonly rssGrowth: number;
  readonly heapGrowth: number;
}
const MiB = 1 << 20;

let server: HostileServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Fast retries: what is counted here is work and sockets, not waiting. */
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 50 } } as const;

/** The three ways an attempt is timed: the shared Agent, a caller's signal, a caller's fetch. */
const ROUTES: [string, HttpOptions][] = [
  ['the shared Agent', {}],
  ['a caller signal', { signal: new AbortController().signal }],
  ['a caller fetch (the global one)', { fetch: globalThis.fetch }],
];

describe('a compression bomb (gzip inside gzip, 128 MiB decoded from under 2 KB)', () => {
  // Injected: a 200 (or 503) whose body is `Content-Encoding: gzip, gzip` although the library asks
  // for identity. Counted, in a fresh process per call (the built package): the error it ends with,
  // and peak RSS and heap growth during the call (before the fix: ~400 MiB RSS for one call).
  let bomb: Buffer;
  beforeAll(async () => {
    bomb = await compressionBomb(128);
    expect(bomb.length).toBeLessThan(4096);
  });

  /** Starts a server answering `/warm/…` normally and everything else with the bomb. */
  async function bombServer(status: number): Promise<{ bombBaseUrl: string; warmBaseUrl: string }> {
    server = await startHostileServer((request, response) => {
      if (request.url?.startsWith('/warm/') === true) {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"status":401,"message":"invalid access token"}');
        return;
      }
      response
        .writeHead(status, {
          'content-type': 'application/json',
          'content-encoding': 'gzip, gzip',
          'content-length': String(bomb.length),
        })
        .end(bomb);
    });
    return { bombBaseUrl: server.authBaseUrl, warmBaseUrl: server.authBaseUrl.replace(/\/oauth2$/, '/warm') };
  }

  async function callInChild(route: string, call: string, status = 200): Promise<BombOutcome> {
    const { bombBaseUrl, warmBaseUrl } = await bombServer(status);
    const { stdout } = await run(
      process.execPath,
      [fixture('call-against-bomb.mjs'), bombBaseUrl, warmBaseUrl, route, call],
      {
        timeout: 60_000,
      },
    );
    return JSON.parse(stdout) as BombOutcome;
  }

  for (const route of ['agent', 'signal', 'fetch'] as const) {
    it(`is refused with a typed error before it is decoded (${route}); RSS and heap stay bounded`, async () => {
      const outcome = await callInChild(route, 'validate');
      expect(outcome.error.name).toBe('UnexpectedResponseError');
      expect(outcome.error.problem).toMatch(/compressed \(gzip, gzip\)/);
      expect(outcome.rssGrowth).toBeLessThan(16 * MiB);
      expect(outcome.heapGrowth).toBeLessThan(16 * MiB);
    });
  }

  it('is retried (a 5xx) without decoding any of it: RSS stays bounded over 3 attempts', async () => {
    const outcome = await callInChild('agent', 'refresh', 503);
    expect(outcome.error).toMatchObject({ name: 'TwitchBackendError', status: 503, attempts: 3 });
    expect(outcome.rssGrowth).toBeLessThan(16 * MiB);
  });

  it("bounds the decoded bytes when a caller's fetch decodes the body and drops the header", async () => {
    const outcome = await callInChild('decoding-fetch', 'validate');
    expect(outcome.error.name).toBe('UnexpectedResponseError');
    expect(outcome.error.problem).toMatch(/larger than any answer/);
    expect(outcome.rssGrowth).toBeLessThan(16 * MiB);
  });
});

describe('a server that sends its headers, then drips the body', () => {
  // Injected: 200 with a declared 10,000-byte body, one byte every 50 ms, on every request.
  // Counted: the sockets still open at the server once the calls have given up (each call makes
  // 3 attempts of 200 ms).
  for (const [route, extra] of ROUTES) {
    it(`leaves no socket open after the attempts give up (${route})`, async () => {
      server = await startHostileServer(async (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000' });
        for (let sent = 0; sent < 10_000 && !response.destroyed; sent++) {
          response.write(' ');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        response.end();
      });
      const options = { authBaseUrl: server.authBaseUrl, timeoutMs: 200, ...fast, ...extra };
      for (let call = 0; call < 2; call++) {
        const error = await rejectionOf(validateToken('sometoken0123456789', options));
        expect(error).toBeInstanceOf(TwitchNetworkError);
        expect(error).toMatchObject({ timedOut: true, attempts: 3 });
      }
      expect(server.requests).toHaveLength(6);
      expect(await server.settledOpenSockets()).toBe(0);
    });
  }
});

describe('a server that quotes the request back in its error messages', () => {
  // Injected: every answer's `message` is the request itself (method, URL, Authorization header
  // and form body), padded past any sensible length. Counted: secrets found in the error (message,
  // stack, cause, every inspect view) — none allowed — and the message's length.
  const refreshToken = 'refreshsecret0123456789abcdefghijklmnopqrstuvwxyz0123';
  const accessToken = 'accesssecret0123456789abcdefgh';
  const code = 'codesecret0123456789abcdefghij';
  const secrets = [secret, refreshToken, accessToken, code];

  async function echoing(status: number, padding = 0): Promise<HttpOptions> {
    server = await startHostileServer((request, response, body) => {
      const message = `${request.method ?? ''} ${request.url ?? ''} ${request.headers.authorization ?? ''} ${body}`;
      const text = JSON.stringify({ status, message: message + ' '.repeat(padding) + 'x'.repeat(padding) });
      response.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
    return { authBaseUrl: server.authBaseUrl, ...fast };
  }

  const calls: [string, number, (options: HttpOptions) => Promise<unknown>, new (...args: never[]) => Error][] = [
    [
      'refreshAccessToken',
      400,
      (o) => refreshAccessToken(refreshToken, DEMO_APP.clientId, secret, o),
      InvalidRefreshTokenError,
    ],
    [
      'exchangeCode',
      403,
      (o) => exchangeCode(DEMO_APP.clientId, secret, code, 'http://localhost:17563', o),
      UnauthorizedError,
    ],
    ['getAppAccessToken', 401, (o) => getAppAccessToken(DEMO_APP.clientId, secret, [], o), UnauthorizedError],
    ['getUserInfo', 400, (o) => getUserInfo(accessToken, o), Error],
    ['validateToken', 400, (o) => validateToken(accessToken, o), Error],
    [
      'revokeToken (5xx, after retries)',
      500,
      (o) => revokeToken(DEMO_APP.clientId, accessToken, o),
      TwitchBackendError,
    ],
    [
      'refreshAccessToken (429)',
      429,
      (o) => refreshAccessToken(refreshToken, DEMO_APP.clientId, secret, o),
      TwitchRateLimitError,
    ],
  ];
  for (const [name, status, call, type] of calls) {
    it(`keeps every sent secret out of ${name}'s error (${String(status)})`, async () => {
      const error = await rejectionOf(call(await echoing(status)));
      expect(error).toBeInstanceOf(type);
      expectNoSecretsIn(error, secrets);
      expect((error as { twitchMessage?: string }).twitchMessage).toMatch(/\[redacted\]/);
    });
  }

  it("keeps the access token out of validateToken's answer for an invalid token", async () => {
    const info = await validateToken(accessToken, await echoing(401));
    expect(info.valid).toBe(false);
    expect(JSON.stringify(info)).not.toContain(accessToken);
  });

  it("bounds the quoted message's length", async () => {
    const error = await rejectionOf(
      refreshAccessToken(refreshToken, DEMO_APP.clientId, secret, await echoing(400, 50_000)),
    );
    expect(error).toBeInstanceOf(InvalidRefreshTokenError);
    expect((error as InvalidRefreshTokenError).twitchMessage?.length).toBeLessThanOrEqual(201);
    expect(String(error).length).toBeLessThan(1000);
    expectNoSecretsIn(error, secrets);
  });

  it("keeps secrets out of a failure's cause when a caller's fetch quotes the request in its error", async () => {
    server = await startHostileServer((request) => {
      request.socket.destroy();
    });
    // Like fetch wrappers that say "request to <url> with <body> failed".
    const quotingFetch: FetchLike = async (url, init) => {
      try {
        return await globalThis.fetch(url, init);
      } catch (error) {
        throw new Error(`request to ${url} with ${init.body ?? ''} failed`, { cause: error });
      }
    };
    const error = await rejectionOf(
      refreshAccessToken(refreshToken, DEMO_APP.clientId, secret, {
        authBaseUrl: server.authBaseUrl,
        fetch: quotingFetch,
        ...fast,
      }),
    );
    expect(error).toBeInstanceOf(TwitchNetworkError);
    expectNoSecretsIn(error, secrets);
    expect(String((error as Error).cause)).toMatch(/request to .* failed/);
  });
});
