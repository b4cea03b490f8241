import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_APP } from '../src/testing/index.js';
import { useFakeTwitch } from './support/fake.js';
import { authorize, loginSetup, visit } from './support/login.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-process-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('the built package, in a process of its own', () => {
  // Keep-alive far longer than the child's time limit: a socket that held the child open would hang it.
  const twitch = useFakeTwitch({ keepAliveTimeoutMs: 120_000 });

  it("a manager's first refresh has loaded undici and zod before the lease confirms the spend, not between it and the request", async () => {
    const logFile = join(scratch, 'confirm.log');
    const expired = twitch.fake.issueUserToken();
    twitch.fake.identity.expireAccessToken(expired.accessToken);
    const stale = { ...expired.toJSON(), obtainedAt: Date.now() - 3_600_000, expiresIn: 60 }; // expired: refreshed at once
    const { stdout } = await run(
      process.execPath,
      [
        fixture('refresh-after-confirm.mjs'),
        logFile,
        twitch.fake.authBaseUrl,
        DEMO_APP.clientId,
        DEMO_APP.clientSecret ?? '',
        JSON.stringify(stale),
      ],
      { timeout: 15_000 },
    );
    const { refreshed, loadedAtConfirm } = JSON.parse(stdout) as { refreshed: boolean; loadedAtConfirm: string[] };
    expect(refreshed).toBe(true);
    expect(loadedAtConfirm).toHaveLength(1);
    const log = loadedAtConfirm[0] ?? '';
    // A stall loading modules after confirm would widen the window in which a lapsed lease lets
    // another process spend the same refresh token.
    expect(log).toContain('/node_modules/undici/');
    expect(log).toContain('/node_modules/zod/');
  });

  it('loads neither undici, zod, open, node:http nor node:crypto at import; undici and zod come with the first call', async () => {
    const logFile = join(scratch, 'resolutions.log');
    const { stdout } = await run(
      process.execPath,
      [fixture('import-then-call.mjs'), logFile, twitch.fake.authBaseUrl],
      {
        timeout: 15_000,
      },
    );
    const { afterImport, afterCall, valid } = JSON.parse(stdout) as {
      afterImport: string;
      afterCall: string;
      valid: boolean;
    };
    const loaded = (log: string, name: string): boolean => log.split('\n').some((url) => url.includes(name));

    expect(loaded(afterImport, '/dist/index.js')).toBe(true);
    for (const heavy of [
      '/node_modules/uqr/',
      '/node_modules/undici/',
      '/node_modules/zod/',
      '/node_modules/open/',
      'node:http',
      'node:crypto',
    ]) {
      expect(loaded(afterImport, heavy), heavy).toBe(false);
    }
    // The recorder does see them once a call needs them, so the check above can fail.
    expect(valid).toBe(false);
    expect(loaded(afterCall, '/node_modules/undici/')).toBe(true);
    expect(loaded(afterCall, '/node_modules/zod/')).toBe(true);
    expect(loaded(afterCall, '/node_modules/open/')).toBe(false);
  });

  it('lets a script that calls helpers and does nothing else exit by itself: idle sockets do not hold it', async () => {
    const { fake } = twitch;
    const { refreshToken } = fake.issueUserToken();
    const { stdout } = await run(
      process.execPath,
      [fixture('call-and-finish.mjs'), fake.authBaseUrl, refreshToken, DEMO_APP.clientId, DEMO_APP.clientSecret ?? ''],
      // Far below the fake's 120 s keep-alive: if the idle socket kept the child alive, it is killed and this fails.
      { timeout: 15_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ valid: true });
  });
});

describe('a script whose only work is await auth.authenticate()', () => {
  const twitch = useFakeTwitch({ authorize: 'approve', keepAliveTimeoutMs: 120_000 });

  it('exits by itself once the login is done: no listener, socket or timer is left', async () => {
    const { fake } = twitch;
    const { url, app } = await loginSetup(fake);
    const child = spawn(
      process.execPath,
      [fixture('login-and-finish.mjs'), fake.authBaseUrl, url, app.appId, app.appSecret],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Far below the 5-minute login timeout and the fake's keep-alive: a leftover handle would hang the child.
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const output: string[] = [];
    for await (const line of lines) {
      output.push(line);
      if (output.length === 1) await visit(await authorize(line));
    }
    const code = await exited;
    clearTimeout(killer);
    expect(code).toBe(0);
    expect(JSON.parse(output[1] ?? '{}')).toEqual({ scopes: ['chat:read'] });
  });
});

describe('a script with a started TokenManager', () => {
  const twitch = useFakeTwitch({ keepAliveTimeoutMs: 120_000 });

  it('exits by itself: the manager timers never keep the process alive', async () => {
    const { fake } = twitch;
    const { accessToken, refreshToken } = fake.issueUserToken();
    const { stdout } = await run(
      process.execPath,
      [
        fixture('start-manager-and-finish.mjs'),
        fake.authBaseUrl,
        DEMO_APP.clientId,
        DEMO_APP.clientSecret ?? '',
        accessToken,
        refreshToken,
      ],
      // The manager's next timer is due in a minute: a ref'd timer would get the child killed here.
      { timeout: 15_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ running: true, token: true });
    expect(fake.requestsTo('/validate')).toHaveLength(1); // validated at start, as Twitch requires
  });
});
