import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

/** An idle TCP connection to the listener: connected, sending nothing. `closed` turns true when the listener drops it. */
interface IdleConnection {
  readonly socket: Socket;
  closed: boolean;
}

function openIdle(port: number): Promise<IdleConnection> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const connection: IdleConnection = { socket, closed: false };
    socket.once('close', () => {
      connection.closed = true;
    });
    socket.on('error', () => undefined); // a reset from the listener is the expected outcome
    socket.once('connect', () => {
      resolve(connection);
    });
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1');
  });
}

/** Polls `condition` every 10 ms for at most `limitMs` (a bound against hanging, not a timing claim). */
async function eventually(condition: () => boolean, limitMs = 5000): Promise<void> {
  const giveUpAt = Date.now() + limitMs;
  while (!condition() && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 10));
}

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('the listener under a connection flood', () => {
  const twitch = useFakeTwitch({ authorize: 'approve' });
  /** The most connections the listener keeps open at once. */
  const CAP = 16;

  it('keeps at most a handful of connections open while a local flood holds hundreds, and the real redirect still completes the login; every socket is closed at the end', async () => {
    const { fake } = twitch;
    const { port, app, options } = await loginSetup(fake);
    const auth = new UserAuthenticator(app, ['chat:read'], options);
    await validateToken('warmup', { authBaseUrl: fake.authBaseUrl });
    const baselineHandles = handleCounts();

    let authUrl = '';
    const login = auth.authenticate({
      useBrowser: false,
      onAuthUrl: (url) => {
        authUrl = url;
      },
    });
    while (authUrl === '') await new Promise((resolve) => setTimeout(resolve, 5));

    // Injected: 300 connections that connect and then send nothing, held open by the attacker.
    const flood: IdleConnection[] = [];
    for (let index = 0; index < 300; index++) flood.push(await openIdle(port));
    // Answered only once the listener has taken every connection queued before it.
    expect((await visit(`http://127.0.0.1:${String(port)}/favicon.ico`)).status).toBe(404);
    await eventually(() => flood.filter((connection) => !connection.closed).length <= CAP);
    const held = flood.filter((connection) => !connection.closed).length;
    console.log(`connections of a 300-connection flood the listener still holds: ${String(held)}`);
    expect(held).toBeLessThanOrEqual(CAP);

    // The attacker keeps its connections; the browser's redirect still gets through.
    const page = await visit(await authorize(authUrl));
    expect(page.html).toContain('You are logged in');
    const token = await login;
    expect(token.scopes).toEqual(['chat:read']);

    // The listener closed, and with it every connection of the flood; nothing is left behind.
    await eventually(() => flood.every((connection) => connection.closed));
    expect(flood.filter((connection) => !connection.closed)).toHaveLength(0);
    for (const connection of flood) connection.socket.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    const after = handleCounts();
    for (const [kind, count] of Object.entries(after)) {
      expect(count, `${kind} handles: ${JSON.stringify({ baselineHandles, after })}`).toBeLessThanOrEqual(
        baselineHandles[kind] ?? 0,
      );
    }
  }, 30_000);

  it('completes a login in a process with few file descriptors while a flood tries to take them all', async () => {
    const { fake } = twitch;
    const { url, port, app } = await loginSetup(fake);
    // Injected: the login runs in a child limited to 128 open files (ulimit -n); 400 idle connections
    // would need more than that if the listener took them all. Lost logins are counted below.
    const child = spawn(
      'sh',
      [
        '-c',
        'ulimit -n 128 && exec "$@"',
        'sh',
        process.execPath,
        fixture('login-and-finish.mjs'),
        fake.authBaseUrl,
        url,
        app.appId,
        app.appSecret,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const output: string[] = [];
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => output.push(line));
    const flood: IdleConnection[] = [];
    try {
      await eventually(() => output.length > 0, 10_000);
      const authUrl = output[0] ?? '';
      for (let index = 0; index < 400; index++) {
        // Once the child is out of file descriptors, its kernel backlog fills and connecting fails.
        flood.push(await openIdle(port).catch(() => ({ socket: new Socket(), closed: true })));
      }
      // Bounded, so that a login the flood blocks fails here instead of hanging the suite.
      const page = await Promise.race([
        authorize(authUrl).then((location) => visit(location)),
        new Promise<string>((resolve) => setTimeout(resolve, 10_000, 'no answer within 10 s')),
      ]).catch((error: unknown) => String(error));
      await eventually(() => child.exitCode !== null || child.signalCode !== null, 5000);
      child.kill('SIGKILL'); // a no-op when it finished by itself
      const code = await exited;
      const lostLogins = code === 0 && (output[1] ?? '').includes('chat:read') ? 0 : 1;
      console.log(
        `login in a 128-file process under a 400-connection flood: exit ${String(code)}, logins lost: ${String(lostLogins)}` +
          (lostLogins === 0
            ? ''
            : `; page: ${JSON.stringify(page).slice(0, 200)}; stderr: ${stderr.join('').slice(0, 400)}`),
      );
      expect(lostLogins).toBe(0);
      expect(typeof page === 'object' && page.html.includes('You are logged in')).toBe(true);
    } finally {
      child.kill('SIGKILL');
      lines.close();
      for (const connection of flood) connection.socket.destroy();
    }
  }, 30_000);
});
