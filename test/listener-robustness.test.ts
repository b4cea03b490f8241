import { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { UserAuthenticator, validateToken } from '../src/index.js';
import { useFakeTwitch } from './support/fake.js';
import { authorize, loginSetup, visit } from './support/login.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Sends raw bytes to the listener and resolves with what it answered before closing. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    const finish = (): void => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.setTimeout(5000, finish);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', finish);
    socket.once('error', finish);
    socket.connect(port, '127.0.0.1', () => {
      socket.end(bytes);
    });
  });
}

/** Counts the handles of each kind that keep the event loop alive (servers, sockets, timers). */
function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('the listener under malformed traffic', () => {
  const twitch = useFakeTwitch({ authorize: 'approve' });

  it('answers thousands of bad requests without harm, then completes the real login; handles and memory return to baseline', async () => {
    const { fake } = twitch;
    const { port, app, options } = await loginSetup(fake);
    const auth = new UserAuthenticator(app, ['chat:read'], options);
    // Warm up: the library's keep-alive socket to the fake exists before the baseline is taken.
    await validateToken('warmup', { authBaseUrl: fake.authBaseUrl });
    const baselineHandles = handleCounts();
    const baselineHeap = heapAfterGc();

    let authUrl = '';
    const login = auth.authenticate({
      useBrowser: false,
      onAuthUrl: (url) => {
        authUrl = url;
      },
    });
    while (authUrl === '') await new Promise((resolve) => setTimeout(resolve, 5));
    const state = auth.state ?? '';

    const host = `Host: localhost:${String(port)}\r\n`;
    const get = (target: string): string => `GET ${target} HTTP/1.1\r\n${host}\r\n`;
    const malformed: string[] = [
      get('/favicon.ico'),
      get('/../../etc/passwd'),
      get('//evil.example/x?code=a&state=b'),
      get(`/${'a'.repeat(4000)}`),
      get('/%00%ff%fe'),
      get(`/?code=abc&state=${'x'.repeat(43)}`),
      get('/?code=abc'),
      get(`/?code=a&code=b&state=${state}&state=${state}`),
      get('/?code=%E0%A4%A&state=%ZZ'),
      get(`/?error=access_denied&state=forged`),
      get(`/?${'q=1&'.repeat(5000)}`), // beyond Node's header limit: 431
      `POST /?code=abc&state=${state} HTTP/1.1\r\n${host}Content-Length: 5\r\n\r\nhello`,
      `PUT / HTTP/1.1\r\n${host}\r\n`,
      `DELETE / HTTP/1.1\r\n${host}\r\n`,
      `OPTIONS * HTTP/1.1\r\n${host}\r\n`,
      `HEAD / HTTP/1.1\r\n${host}\r\n`,
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      `GET / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`,
      `GET /?state=${state} HTTP/1.1\r\n${host}`, // never finishes its headers
      '',
    ];
    const total = 3000;
    const answers = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < total) {
          const bytes = malformed[next++ % malformed.length] ?? '';
          const status = /^HTTP\/1\.1 (\d{3})/.exec(await rawRequest(port, bytes))?.[1] ?? 'closed';
          answers.set(status, (answers.get(status) ?? 0) + 1);
        }
      }),
    );
    // Every kind of refusal was seen, and not one success.
    expect([...answers.keys()].sort()).toEqual(expect.arrayContaining(['400', '404', '405', '431']));
    expect(answers.has('200')).toBe(false);
    expect(fake.requestsTo('/token')).toHaveLength(0);

    const page = await visit(await authorize(authUrl));
    expect(page.html).toContain('You are logged in');
    const token = await login;
    expect(await validateToken(token.accessToken, { authBaseUrl: fake.authBaseUrl })).toMatchObject({
      valid: true,
      scopes: ['chat:read'],
    });

    const after = handleCounts();
    for (const [kind, count] of Object.entries(after)) {
      expect(count, `${kind} handles: ${JSON.stringify({ baselineHandles, after })}`).toBeLessThanOrEqual(
        baselineHandles[kind] ?? 0,
      );
    }
    // 3000 requests of garbage must not stay in memory: allow for JIT and allocator noise only.
    const grownBy = heapAfterGc() - baselineHeap;
    const report = `heap after the run, compared with before it: ${(grownBy / 1024 / 1024).toFixed(2)} MiB; answers ${JSON.stringify(Object.fromEntries(answers))}`;
    expect(grownBy, report).toBeLessThan(8 * 1024 * 1024);
  }, 60_000);
});
