import { execFile } from 'node:child_process';
import { inspect, promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { CodeExchangeError, StateMismatchError, UserAuthenticator, UserToken } from '../src/index.js';
import { SpentStates } from '../src/auth/spent-states.js';
import { expectNoSecretsIn, rejectionOf, useFakeTwitch } from './support/fake.js';
import { authorize, loginSetup } from './support/login.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** The code and state of the redirect Twitch (the fake) sends for this authorize URL. */
async function callbackOf(authUrl: string): Promise<{ code: string; state: string }> {
  const callback = new URL(await authorize(authUrl));
  return { code: callback.searchParams.get('code') ?? '', state: callback.searchParams.get('state') ?? '' };
}

const SHARED_SECRET = 'replicas-share-this-secret-of-32-bytes-or-more';

describe('server mode: self-verifying states', () => {
  const twitch = useFakeTwitch({ authorize: 'approve' });

  it('keeps every pending login: after 10,000 more returnAuthUrl() calls, the first URL still completes', async () => {
    const { fake } = twitch;
    const { app, options } = await loginSetup(fake);
    const auth = new UserAuthenticator(app, ['chat:read'], options);
    const first = auth.returnAuthUrl();
    // Injected: 10,000 visits to the "start login" route by other visitors (or one attacker).
    for (let visit = 0; visit < 10_000; visit++) auth.returnAuthUrl();
    const { code, state } = await callbackOf(first);
    const token = await auth.authenticate({ userToken: code, state });
    expect(token.scopes).toEqual(['chat:read']);
  });

  it('completes at another replica sharing the stateSecret; a replay there is harmless, since Twitch refuses the spent code', async () => {
    const { fake } = twitch;
    const { app, options, url } = await loginSetup(fake);
    const env = { ...process.env, TWITCH_STATE_SECRET: SHARED_SECRET };
    const replica = [fake.authBaseUrl, url, app.appId, app.appSecret];
    // Replica A, a process of its own, issues the URL; nothing it remembers is shared.
    const issued = await run(process.execPath, [fixture('replica.mjs'), 'issue', ...replica], { env, timeout: 15_000 });
    const { code, state } = await callbackOf(issued.stdout.trim());

    // A replica with another secret (here: none, so a random one) refuses it, exchanging nothing.
    const stranger = new UserAuthenticator(app, ['chat:read'], options);
    const refused = await rejectionOf(stranger.authenticate({ userToken: code, state }));
    expect(refused).toBeInstanceOf(StateMismatchError);
    expect(refused).toMatchObject({ error: 'state_mismatch', reason: 'invalid' });
    expect(fake.requestsTo('/token')).toHaveLength(0);

    // Replica B, this process, completes it.
    const replicaB = new UserAuthenticator(app, ['chat:read'], { ...options, stateSecret: SHARED_SECRET });
    const atB = await replicaB.authenticate({ userToken: code, state });
    expect(atB).toBeInstanceOf(UserToken);
    // Again at B: refused as used, before any exchange.
    expect(await rejectionOf(replicaB.authenticate({ userToken: code, state }))).toMatchObject({ reason: 'used' });
    expect(fake.requestsTo('/token')).toHaveLength(1);

    // Replayed at replica C (another process, which never saw it): Twitch refuses the spent code.
    const replay = await run(process.execPath, [fixture('replica.mjs'), 'complete', ...replica, code, state], {
      env,
      timeout: 15_000,
    });
    const atC = JSON.parse(replay.stdout) as { scopes?: string[]; error?: string };
    expect(atC).toEqual({ error: CodeExchangeError.name });
    expect(fake.requestsTo('/token')).toHaveLength(2);
    const tokensIssued = [atB, atC].filter((outcome) => 'scopes' in outcome).length;
    console.log(`one login replayed at another replica: tokens issued ${String(tokensIssued)} (must be 1)`);
    expect(tokensIssued).toBe(1);
  });

  it('refuses a tampered, foreign, expired or reused state with a StateMismatchError saying why, exchanging nothing', async () => {
    const { fake } = twitch;
    const { app, options } = await loginSetup(fake);
    const auth = new UserAuthenticator(app, [], { ...options, stateSecret: SHARED_SECRET });
    const { code, state } = await callbackOf(auth.returnAuthUrl());
    const reasonOf = async (received: string): Promise<unknown> => {
      const error = await rejectionOf(auth.authenticate({ userToken: code, state: received }));
      expect(error).toBeInstanceOf(StateMismatchError);
      expectNoSecretsIn(error, [SHARED_SECRET, code, app.appSecret]);
      return (error as StateMismatchError).reason;
    };

    const flipped = (at: number): string => state.slice(0, at) + (state[at] === 'A' ? 'B' : 'A') + state.slice(at + 1);
    // Injected: every byte region altered (version, expiry, nonce, signature), and garbage.
    for (const tampered of [
      flipped(0),
      flipped(3),
      flipped(20),
      flipped(60),
      `${state}A`,
      state.slice(0, -1),
      'forged',
      '',
    ]) {
      expect(await reasonOf(tampered), tampered).toBe('invalid');
    }
    // Issued with another secret, or for another redirect URI with the same secret.
    const otherSecret = new UserAuthenticator(app, [], { ...options, stateSecret: 'x'.repeat(32) });
    const otherUrl = new UserAuthenticator(app, [], {
      ...options,
      url: `${options.url ?? ''}/other`,
      stateSecret: SHARED_SECRET,
    });
    for (const foreign of [otherSecret, otherUrl]) {
      const foreignState = new URL(foreign.returnAuthUrl()).searchParams.get('state') ?? '';
      expect(await reasonOf(foreignState)).toBe('invalid');
    }
    // Expired: the same state, 15 minutes later.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 15 * 60 * 1000 });
    const late = auth.authenticate({ userToken: code, state });
    vi.useRealTimers();
    const expired = await rejectionOf(late);
    expect(expired).toMatchObject({ reason: 'expired' });
    expect(String(expired)).toMatch(/15 minutes.*new returnAuthUrl\(\)/);
    expect(fake.requestsTo('/token')).toHaveLength(0);

    // Still good (refusals spend nothing), once.
    expect(await auth.authenticate({ userToken: code, state })).toBeInstanceOf(UserToken);
    expect(await reasonOf(state)).toBe('used');
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('refuses a short stateSecret at construction, and never shows the secret', () => {
    const app = { appId: 'id', appSecret: 'app-secret-value' };
    const short = 'short-secret-value';
    let error: unknown;
    try {
      new UserAuthenticator(app, [], { stateSecret: short });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/at least 32 bytes.*openssl rand -base64 32/);
    expectNoSecretsIn(error, [short]);
    const auth = new UserAuthenticator(app, [], { stateSecret: new Uint8Array(32).fill(7) });
    const secret = SHARED_SECRET;
    const withString = new UserAuthenticator(app, [], { stateSecret: secret });
    for (const view of [inspect(withString, { showHidden: true, depth: 10 }), JSON.stringify(withString)]) {
      expect(view).not.toContain(secret);
    }
    expect(auth.returnAuthUrl()).not.toContain(secret);
  });
});

describe('server mode: memory', () => {
  it('stores nothing per pending state: 100,000 returnAuthUrl() calls leave the heap where it was', () => {
    const auth = new UserAuthenticator({ appId: 'id', appSecret: 'secret' }, ['chat:read'], {
      url: 'https://bot.example/twitch/callback',
    });
    auth.returnAuthUrl(); // warm-up: the per-process secret and the crypto module
    const before = heapAfterGc();
    for (let visit = 0; visit < 100_000; visit++) auth.returnAuthUrl();
    const grown = heapAfterGc() - before;
    console.log(
      `heap after 100,000 pending states: ${(grown / 1024).toFixed(1)} KiB, ${(grown / 100_000).toFixed(2)} bytes per state`,
    );
    expect(grown).toBeLessThan(1024 * 1024);
  });

  it('remembers a used state only until it expires: 100,000 used states cost little and are forgotten after', () => {
    const spent = new SpentStates();
    const now = Date.parse('2026-11-24T12:00:00Z');
    const expiresAt = now + 15 * 60 * 1000;
    // Nonces as the signer makes them: 16 random bytes in base64url, one new string each.
    const nonce = (index: number): string => {
      const bytes = Buffer.alloc(16);
      bytes.writeUInt32BE(index, 12);
      return bytes.toString('base64url');
    };
    const before = heapAfterGc();
    for (let index = 0; index < 100_000; index++) spent.spend(nonce(index), expiresAt + (index % 60_000), now);
    const grown = heapAfterGc() - before;
    console.log(`heap per used state remembered: ${(grown / 100_000).toFixed(1)} bytes`);
    expect(spent.size).toBe(100_000);
    expect(grown / 100_000).toBeLessThan(200);
    expect(spent.spend(nonce(0), expiresAt, now + 1)).toBe(false);
    // Once they have expired (and would be refused as expired anyway), they are forgotten.
    expect(spent.spend('later', expiresAt + 20 * 60 * 1000, expiresAt + 2 * 60 * 1000)).toBe(true);
    expect(spent.size).toBe(1);
  });
});
