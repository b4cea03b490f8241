import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileTokenStore,
  refreshAccessToken,
  UserAuthenticationStorageHelper,
  type TokenManager,
} from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP } from '../src/testing/index.js';
import { useFakeTwitch } from './support/fake.js';

// Token managers of several accounts sharing one token file, with a public client: each refresh
// token works once at (the fake) Twitch, so a file rolled back to a spent one loses the login.

const publicApp = { appId: DEMO_PUBLIC_APP.clientId };
const keys = ['alice', 'bob'];
let folder: string;
let storagePath: string;
const managers: TokenManager[] = [];
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-file-managers-'));
  storagePath = join(folder, 'user_token.json');
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
  rmSync(folder, { recursive: true, force: true });
});

describe("a token manager on the Python original's user_token.json", () => {
  const twitch = useFakeTwitch();

  it('refreshes again and again while the file stays readable by the Python program', async () => {
    const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    twitch.fake.identity.expireAccessToken(login.accessToken);
    writeFileSync(storagePath, JSON.stringify({ token: login.accessToken, refresh: login.refreshToken }));
    const failures: unknown[] = [];
    const manager = await new UserAuthenticationStorageHelper(app, ['chat:read'], {
      storagePath,
      authBaseUrl: twitch.fake.authBaseUrl,
      retry: 0,
      authGenerator: () => Promise.reject(new Error('no login expected')),
      onRefreshFailure: (error) => failures.push(error),
    }).bind();
    managers.push(manager);
    const refreshes = 5;
    for (let refresh = 0; refresh < refreshes; refresh++) {
      const before = await manager.getAccessToken();
      const after = await manager.refresh(before).catch((error: unknown) => {
        failures.push(error);
        return undefined;
      });
      expect(after?.accessToken).not.toBe(before);
      // What the Python program reads is the token in use.
      const file = JSON.parse(readFileSync(storagePath, 'utf8')) as Record<string, unknown>;
      expect(file).toMatchObject({ token: after?.accessToken, refresh: after?.refreshToken });
      expect(file).not.toHaveProperty('format');
    }
    expect(failures.map(String)).toEqual([]);
    expect(twitch.fake.requestsTo('/token')).toHaveLength(refreshes + 1); // and the one bind() needed
  });
});

describe('token managers of several accounts on one file (public client)', () => {
  const twitch = useFakeTwitch();

  /** Stores a fresh login per key, as a first run of the bot would. */
  async function storeLogins(): Promise<void> {
    const store = new FileTokenStore(storagePath);
    for (const key of keys) {
      const token = twitch.fake.issueUserToken({ clientId: publicApp.appId, scopes: ['chat:read'] });
      await store.writeIfNewer(key, { token, generation: 1 });
    }
  }

  /** What the fake saw: refresh tokens sent, and those sent more than once (refused: a login at risk). */
  function spending(): { refreshes: number; spent: Set<string>; spentTwice: number } {
    const sent = twitch.fake.requestsTo('/token').map((request) => request.form['refresh_token'] ?? '');
    const spent = new Set(sent);
    return { refreshes: sent.length, spent, spentTwice: sent.length - spent.size };
  }

  /** The file's generation and refresh token per key. */
  function fileState(): Map<string, { generation: number; refreshToken: string }> {
    const { tokens } = JSON.parse(readFileSync(storagePath, 'utf8')) as {
      tokens: Record<string, { generation: number; refreshToken: string }>;
    };
    return new Map(Object.entries(tokens));
  }

  it('two helpers per account in one process, both accounts refreshed concurrently 100 times: no key lost, no rollback', async () => {
    await storeLogins();
    let lost = 0;
    const bind = (key: string): Promise<TokenManager> =>
      new UserAuthenticationStorageHelper(publicApp, ['chat:read'], {
        storagePath,
        key,
        authBaseUrl: twitch.fake.authBaseUrl,
        retry: 0,
        authGenerator: () => Promise.reject(new Error('no login expected')),
        onInvalid: () => {
          lost++;
        },
      }).bind();
    managers.push(...(await Promise.all([...keys, ...keys].map(bind))));
    const cycles = 100;
    const bound = [...fileState().values()].map((stored) => stored.generation);
    const counts = { lostKeys: 0, rollbacks: 0, spentStored: 0, failures: 0 };
    const last = new Map<string, number>();
    for (let cycle = 0; cycle < cycles; cycle++) {
      await Promise.all(
        managers.map(async (manager) => {
          try {
            await manager.refresh(await manager.getAccessToken());
          } catch {
            counts.failures++; // e.g. the login lost after a rollback to a spent refresh token
          }
        }),
      );
      const state = fileState();
      const { spent } = spending();
      for (const key of keys) {
        const stored = state.get(key);
        if (stored === undefined) counts.lostKeys++;
        else {
          if (stored.generation < (last.get(key) ?? 0)) counts.rollbacks++;
          if (spent.has(stored.refreshToken)) counts.spentStored++; // rolled back to a spent refresh token
          last.set(key, stored.generation);
        }
      }
    }
    const { refreshes, spentTwice } = spending();
    console.log(
      `[file store] 4 managers (2 accounts) in one process, ${String(cycles)} cycles: ${String(refreshes)} refreshes, ` +
        `${String(spentTwice)} refresh tokens spent twice, ${String(counts.rollbacks)} rollbacks, ` +
        `${String(counts.spentStored)} spent refresh tokens left stored, ${String(counts.lostKeys)} lost keys, ` +
        `${String(lost)} logins lost, ${String(counts.failures)} failed refresh() calls`,
    );
    expect({ ...counts, spentTwice, lost }).toEqual({
      lostKeys: 0,
      rollbacks: 0,
      spentStored: 0,
      failures: 0,
      spentTwice: 0,
      lost: 0,
    });
    expect(refreshes).toBe(keys.length * cycles); // one refresh per account and cycle: the other manager adopts it
    // One generation per cycle and account.
    expect([...fileState().values()].map((stored) => stored.generation)).toEqual(bound.map((at) => at + cycles));
  }, 60_000);

  it('two processes, each with a helper per account, refreshing concurrently: no key lost, no spent refresh token stored', async () => {
    await storeLogins();
    const cycles = 50;
    const workers = await Promise.all(
      [0, 1].map(async () => {
        const child = spawn(
          process.execPath,
          [
            fileURLToPath(new URL('./fixtures/file-helpers-refresh.mjs', import.meta.url)),
            storagePath,
            twitch.fake.authBaseUrl,
            publicApp.appId,
            String(cycles),
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        let output = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => (output += chunk));
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        while (!output.includes('bound\n')) {
          if (child.exitCode !== null) throw new Error('the worker ended before binding');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return { child, exited, output: () => output };
      }),
    );
    // A reader: a key's generation never goes down, and no key disappears.
    const watched = { reads: 0, lostKeys: 0, rollbacks: 0 };
    const last = new Map<string, number>();
    const state = { done: false };
    const watching = (async () => {
      while (!state.done) {
        const now = fileState();
        watched.reads++;
        for (const key of keys) {
          const generation = now.get(key)?.generation;
          if (generation === undefined) watched.lostKeys++;
          else if (generation < (last.get(key) ?? 0)) watched.rollbacks++;
          else last.set(key, generation);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    for (const { child } of workers) child.stdin.write('go\n');
    const codes = await Promise.all(workers.map((worker) => worker.exited));
    state.done = true;
    await watching;
    expect(codes).toEqual([0, 0]);
    const reports = workers.map(
      (worker) =>
        JSON.parse(
          worker
            .output()
            .split('\n')
            .find((line) => line.startsWith('{')) ?? '{}',
        ) as {
          failures: string[];
          lost: number;
        },
    );
    const { refreshes, spent, spentTwice } = spending();
    const final = fileState();
    const spentStored = keys.filter((key) => spent.has(final.get(key)?.refreshToken ?? '')).length;
    console.log(
      `[file store] 2 processes × 2 accounts, ${String(cycles)} cycles each: ${String(refreshes)} refreshes, ` +
        `${String(spentTwice)} refresh tokens spent twice, ${String(watched.rollbacks)} rollbacks in ${String(watched.reads)} reads, ` +
        `${String(watched.lostKeys)} lost keys, ${String(spentStored)} spent refresh tokens stored at the end, ` +
        `${String(reports.reduce((sum, report) => sum + report.lost, 0))} logins lost, ` +
        `failed refresh() calls: ${JSON.stringify(reports.flatMap((report) => report.failures))}`,
    );
    expect(watched).toMatchObject({ lostKeys: 0, rollbacks: 0 });
    expect({ spentTwice, spentStored }).toEqual({ spentTwice: 0, spentStored: 0 });
    expect(reports.map((report) => report.lost)).toEqual([0, 0]);
    expect(reports.flatMap((report) => report.failures)).toEqual([]);
    // The stored tokens are alive: each refreshes once more.
    for (const key of keys) {
      const refreshToken = final.get(key)?.refreshToken ?? '';
      await expect(
        refreshAccessToken(refreshToken, publicApp.appId, null, { authBaseUrl: twitch.fake.authBaseUrl, retry: 0 }),
      ).resolves.toBeDefined();
    }
  }, 90_000);
});
