import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationInProgressError,
  AuthorizationDeniedError,
  DeviceCode,
  DeviceCodeExpiredError,
  DeviceCodeFlow,
  refreshAccessToken,
  systemClock,
  TokenManager,
  UserAuthenticationStorageHelper,
  UnexpectedResponseError,
  UserToken,
  validateToken,
  type Clock,
  type DevicePoll,
  type DeviceCodeFlowOptions,
} from '../src/index.js';
import {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  ManualClock,
  startFakeTwitch,
  type FakeTwitch,
  type FakeTwitchOptions,
} from '../src/testing/index.js';
import { rejectionOf } from './support/fake.js';

const publicApp = { appId: DEMO_PUBLIC_APP.clientId };
const confidentialApp = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

let clock: ManualClock;
let fake: FakeTwitch;

async function startFake(options: FakeTwitchOptions = {}): Promise<void> {
  await fake.close();
  fake = await startFakeTwitch({ now: () => clock.now(), ...options });
}

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2026-11-24T12:00:00Z'));
  fake = await startFakeTwitch({ now: () => clock.now() });
});
afterEach(async () => {
  await fake.close();
});

function flow(
  app: { appId: string; appSecret?: string } = publicApp,
  options: DeviceCodeFlowOptions = {},
): DeviceCodeFlow {
  return new DeviceCodeFlow(app, ['chat:read', 'chat:edit'], { clock, authBaseUrl: fake.authBaseUrl, ...options });
}

/** Yields until `condition` holds (real time: lets HTTP round trips finish). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Drives the manual clock for a waiting flow: whenever it sleeps, moves time to its next timer.
 * `beforeTimer(n)` runs before the n-th timer fires (1-based), e.g. to approve after two polls.
 */
async function drive<T>(waiting: Promise<T>, beforeTimer: (timer: number) => void = () => undefined): Promise<T> {
  const state = { settled: false };
  const markSettled = (): void => {
    state.settled = true;
  };
  waiting.then(markSettled, markSettled);
  for (let timer = 1; ; timer++) {
    await until(() => state.settled || clock.nextTimerAt !== undefined);
    if (state.settled) return waiting;
    beforeTimer(timer);
    await clock.advance((clock.nextTimerAt ?? clock.now()) - clock.now());
  }
}

const polls = (): number[] => fake.requestsTo('/token').map((request) => request.receivedAt);

describe('DeviceCodeFlow.getCode', () => {
  it('asks POST /device with client_id and space-delimited scopes, and reads as an object and a pair', async () => {
    const code = await flow().getCode();
    expect(code).toBeInstanceOf(DeviceCode);
    expect(code).toMatchObject({ expiresIn: 1800, interval: 5, expiresAt: clock.now() + 1_800_000 });
    expect(code.userCode).toMatch(/^[A-Z]{8}$/);
    const [userCode, verificationUri] = code;
    expect(userCode).toBe(code.userCode);
    expect(verificationUri).toBe(`${fake.origin}/oauth2/activate?device-code=${code.userCode}`);
    const [request] = fake.requestsTo('/device');
    expect(request?.form).toEqual({ client_id: DEMO_PUBLIC_APP.clientId, scopes: 'chat:read chat:edit' });
  });
});

describe('what getCode() shows the user', () => {
  it('refuses a code or URI that could rewrite the terminal, or a URI that is no web address, with UnexpectedResponseError', async () => {
    const answer = { device_code: 'd'.repeat(40), expires_in: 1800, interval: 5 };
    // Injected: /device answers carrying an ANSI escape, a newline, a javascript: URI, an endless code.
    for (const [fields, problem] of [
      [{ user_code: '\u001b[2JABCDEFGH', verification_uri: 'https://www.twitch.tv/activate' }, /user_code/],
      [
        { user_code: 'ABCDEFGH', verification_uri: 'https://www.twitch.tv/activate\nOpen evil.example' },
        /verification_uri/,
      ],
      [{ user_code: 'ABCDEFGH', verification_uri: 'javascript:alert(1)' }, /verification_uri is not an http\(s\) URL/],
      [{ user_code: 'A'.repeat(5000), verification_uri: 'https://www.twitch.tv/activate' }, /user_code/],
    ] as const) {
      fake.injectFault({ endpoint: '/device', status: 200, body: JSON.stringify({ ...answer, ...fields }) });
      const written: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        // Bounded: on a code it accepted, authenticate() would wait for the (manual) clock forever.
        const error = await rejectionOf(flow().authenticate({ signal: AbortSignal.timeout(3000) }));
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect(String(error)).toMatch(problem);
        expect(String(error)).not.toContain('\u001b');
      } finally {
        spy.mockRestore();
      }
      expect(written.join('')).not.toContain('activate');
    }
    expect(fake.requestsTo('/token')).toHaveLength(0);
  });
});

describe('DeviceCodeFlow.waitForAuthComplete', () => {
  it('refuses to wait before getCode(), as the original, without a request', async () => {
    expect(await rejectionOf(flow().waitForAuthComplete())).toBeInstanceOf(TypeError);
    expect(fake.requests).toHaveLength(0);
  });

  it('polls every interval until the user approves, with the device grant fields, and returns a user token', async () => {
    const device = flow();
    const code = await device.getCode();
    const start = clock.now();
    const seen: DevicePoll[] = [];
    const token = await drive(device.waitForAuthComplete({ onPoll: (poll) => seen.push(poll) }), (timer) => {
      if (timer === 3) fake.identity.decideDevice(code.userCode, true);
    });
    expect(token).toBeInstanceOf(UserToken);
    expect(token.scopes).toEqual(['chat:read', 'chat:edit']);
    expect(token.obtainedAt).toBe(start + 15_000);
    expect(polls().map((at) => at - start)).toEqual([5000, 10_000, 15_000]);
    expect(seen.map((poll) => poll.outcome)).toEqual(['pending', 'pending']);
    const [request] = fake.requestsTo('/token');
    expect(request?.form).toEqual({
      client_id: DEMO_PUBLIC_APP.clientId,
      scopes: 'chat:read chat:edit',
      device_code: expect.any(String) as string,
      grant_type: DEVICE_GRANT,
    });
    expect(await validateToken(token.accessToken, { authBaseUrl: fake.authBaseUrl })).toMatchObject({ valid: true });
    // The code is spent: waiting again needs a new one.
    expect(await rejectionOf(device.waitForAuthComplete())).toBeInstanceOf(TypeError);
  });

  it('sends the client secret for a confidential client', async () => {
    const device = flow(confidentialApp);
    const code = await device.getCode();
    await drive(device.waitForAuthComplete(), () => fake.identity.decideDevice(code.userCode, true));
    expect(fake.requestsTo('/token')[0]?.form['client_secret']).toBe(confidentialApp.appSecret);
  });

  it('adds 5 s to the interval after slow_down, for the rest of the flow, and never polls faster than allowed', async () => {
    await startFake({ lifetimes: { deviceIntervalSeconds: 7 } });
    const device = flow();
    const code = await device.getCode();
    const start = clock.now();
    fake.injectFault({ endpoint: '/token', status: 400, body: '{"status":400,"message":"slow_down"}' });
    const seen: DevicePoll[] = [];
    await drive(device.waitForAuthComplete({ onPoll: (poll) => seen.push(poll) }), (timer) => {
      if (timer === 4) fake.identity.decideDevice(code.userCode, true);
    });
    expect(polls().map((at) => at - start)).toEqual([7000, 19_000, 31_000, 43_000]);
    expect(seen.map((poll) => [poll.outcome, poll.nextPollInMs])).toEqual([
      ['slow_down', 12_000],
      ['pending', 12_000],
      ['pending', 12_000],
    ]);
    // The fake answers slow_down on its own to a poll faster than its interval: it never had to.
    expect(fake.requestsTo('/token').length).toBe(4);
  });

  it('rejects with AuthorizationDeniedError when the user declines, and spends the code', async () => {
    const device = flow();
    const code = await device.getCode();
    const error = await rejectionOf(
      drive(device.waitForAuthComplete(), () => fake.identity.decideDevice(code.userCode, false)),
    );
    expect(error).toBeInstanceOf(AuthorizationDeniedError);
    expect(await rejectionOf(device.waitForAuthComplete())).toBeInstanceOf(TypeError);
  });

  it('stops exactly at expiry, with no poll at or after it', async () => {
    await startFake({ lifetimes: { deviceCodeSeconds: 20 } });
    const device = flow();
    await device.getCode();
    const start = clock.now();
    const error = await rejectionOf(drive(device.waitForAuthComplete()));
    expect(error).toBeInstanceOf(DeviceCodeExpiredError);
    expect(String(error)).toMatch(/getCode\(\) for a new code/);
    expect(polls().map((at) => at - start)).toEqual([5000, 10_000, 15_000]);
    expect(clock.now() - start).toBe(20_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with DeviceCodeExpiredError when Twitch says the device code is invalid', async () => {
    const device = flow();
    await device.getCode();
    fake.injectFault({ endpoint: '/token', status: 400, body: '{"status":400,"message":"invalid device code"}' });
    expect(await rejectionOf(drive(device.waitForAuthComplete()))).toBeInstanceOf(DeviceCodeExpiredError);
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('keeps polling through transient failures, backing off from the interval, within the code lifetime', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(1); // the longest waits the jitter allows
    try {
      const device = flow();
      const code = await device.getCode();
      const start = clock.now();
      fake.injectFault({ endpoint: '/token', status: 503, times: 2 });
      fake.injectFault({ endpoint: '/token', reset: true });
      const seen: DevicePoll[] = [];
      const token = await drive(device.waitForAuthComplete({ onPoll: (poll) => seen.push(poll) }), (timer) => {
        if (timer === 5) fake.identity.decideDevice(code.userCode, true);
      });
      expect(token).toBeInstanceOf(UserToken);
      expect(seen.map((poll) => [poll.outcome, poll.nextPollInMs])).toEqual([
        ['failed', 10_000],
        ['failed', 15_000],
        ['failed', 25_000],
        ['pending', 5000],
      ]);
      const gaps = polls().map((at, index, all) => at - (index === 0 ? start : (all[index - 1] ?? start)));
      expect(gaps).toEqual([5000, 10_000, 15_000, 25_000, 5000]);
    } finally {
      random.mockRestore();
    }
  });

  it('waits at least as long as a 429 asks', async () => {
    const device = flow();
    const code = await device.getCode();
    const start = clock.now();
    fake.injectFault({ endpoint: '/token', status: 429, headers: { 'retry-after': '40' } });
    await drive(device.waitForAuthComplete(), (timer) => {
      if (timer === 2) fake.identity.decideDevice(code.userCode, true);
    });
    const [first, second] = polls();
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(45_000); // interval + the 40 s asked
    expect((first ?? 0) - start).toBe(5000);
  });

  it('refuses a second wait on the same code: two loops would poll twice as fast', async () => {
    const device = flow();
    const code = await device.getCode();
    const first = device.waitForAuthComplete();
    expect(await rejectionOf(device.waitForAuthComplete())).toBeInstanceOf(AuthenticationInProgressError);
    await drive(first, (timer) => {
      if (timer === 2) fake.identity.decideDevice(code.userCode, true);
    });
    expect(fake.requestsTo('/token')).toHaveLength(2);
  });

  it('keeps the code when aborted during a poll, so that a new wait can finish the login', async () => {
    const device = flow();
    const code = await device.getCode();
    fake.injectFault({ endpoint: '/token', delayMs: 300 });
    const controller = new AbortController();
    const waiting = device.waitForAuthComplete({ signal: controller.signal });
    await until(() => clock.nextTimerAt !== undefined);
    await clock.advance(5000);
    await until(() => fake.requestsTo('/token').length === 1);
    controller.abort(new Error('restart'));
    expect(String(await rejectionOf(waiting))).toContain('restart');
    fake.identity.decideDevice(code.userCode, true);
    expect(await drive(device.waitForAuthComplete())).toBeInstanceOf(UserToken);
  });

  it('stops on abort with the signal reason, leaving no timer and sending no further poll', async () => {
    const device = flow();
    await device.getCode();
    const controller = new AbortController();
    const waiting = device.waitForAuthComplete({ signal: controller.signal });
    await drive(
      Promise.race([waiting, new Promise((resolve) => setTimeout(resolve, 200))]).catch(() => undefined),
      (timer) => {
        if (timer === 3) controller.abort(new Error('bot shutting down'));
      },
    );
    expect(String(await rejectionOf(waiting))).toContain('bot shutting down');
    expect(clock.pendingTimers).toBe(0);
    const sent = fake.requestsTo('/token').length;
    await clock.advance(60_000);
    expect(fake.requestsTo('/token')).toHaveLength(sent);
  });
});

describe('a poll in flight at expiry (real clock)', () => {
  it('is cut off when the code expires, not when Twitch finally answers', async () => {
    await startFake({ now: Date.now, lifetimes: { deviceCodeSeconds: 2, deviceIntervalSeconds: 1 } });
    const device = new DeviceCodeFlow(publicApp, [], { authBaseUrl: fake.authBaseUrl });
    await device.getCode();
    fake.injectFault({ endpoint: '/token', delayMs: 10_000 });
    const started = Date.now();
    expect(await rejectionOf(device.waitForAuthComplete())).toBeInstanceOf(DeviceCodeExpiredError);
    // A bound on correctness, not speed: the slow answer (10 s) was not waited for.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });
});

describe('public clients after a device login', () => {
  it('refresh without a secret, one-time refresh tokens chaining, also through TokenManager', async () => {
    const device = flow(publicApp);
    const code = await device.getCode();
    const token = await drive(device.waitForAuthComplete(), () => fake.identity.decideDevice(code.userCode, true));

    let { refreshToken } = token;
    for (let cycle = 0; cycle < 3; cycle++) {
      ({ refreshToken } = await refreshAccessToken(refreshToken, publicApp.appId, { authBaseUrl: fake.authBaseUrl }));
    }
    const manager = new TokenManager(
      publicApp,
      await refreshAccessToken(refreshToken, publicApp.appId, { authBaseUrl: fake.authBaseUrl }),
      {
        clock,
        authBaseUrl: fake.authBaseUrl,
      },
    );
    for (let cycle = 0; cycle < 5; cycle++) await manager.refresh();
    const refreshes = fake.requestsTo('/token').filter((request) => request.form['grant_type'] === 'refresh_token');
    expect(refreshes).toHaveLength(9);
    expect(new Set(refreshes.map((request) => request.form['refresh_token'])).size).toBe(9);
    for (const request of refreshes) expect(request.form).not.toHaveProperty('client_secret');
  });
});

describe('DeviceCodeFlow as the storage helper authGenerator', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-device-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('logs in through authenticate(), showing the code with onCode, and stores the token', async () => {
    const shown: DeviceCode[] = [];
    const device = flow(publicApp, {
      onCode: (code) => {
        shown.push(code);
      },
    });
    const helper = new UserAuthenticationStorageHelper(publicApp, ['chat:read', 'chat:edit'], {
      storagePath: join(folder, 'user_token.json'),
      authGenerator: device,
      authBaseUrl: fake.authBaseUrl,
      clock,
    });
    const binding = helper.bind();
    await until(() => shown.length === 1);
    const manager = await drive(binding, () => fake.identity.decideDevice(shown[0]?.userCode ?? '', true));
    expect(await manager.getAccessToken()).toMatch(/^[a-z0-9]{30}$/);
    await manager.stop();
  });
});

describe('absurd durations', () => {
  it('clamps a huge interval and lifetime from Twitch: no timer overflows, no poll storm (real clock)', async () => {
    // Injected: Twitch answers /device with interval and expires_in of 1e10 s (317 years).
    await startFake({ now: Date.now, lifetimes: { deviceCodeSeconds: 1e10, deviceIntervalSeconds: 1e10 } });
    const delays: number[] = [];
    const recording: Clock = {
      now: () => systemClock.now(),
      setTimer: (callback, delayMs, keepAlive) => {
        delays.push(delayMs);
        return systemClock.setTimer(callback, delayMs, keepAlive);
      },
    };
    const device = new DeviceCodeFlow(publicApp, [], { authBaseUrl: fake.authBaseUrl, clock: recording });
    const code = await device.getCode();

    const controller = new AbortController();
    const waiting = device.waitForAuthComplete({ signal: controller.signal });
    await until(() => delays.length > 0);
    // Long enough for an overflowed timer (it fires after 1 ms) to poll hundreds of times.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const polled = fake.requestsTo('/token').length;
    controller.abort(new Error('done'));
    await rejectionOf(waiting);
    console.log(
      `polls within 300 ms for a 1e10 s interval: ${String(polled)}; timers asked: ${String(delays.length)}, the first for ${String(delays[0])} ms`,
    );
    expect(polled).toBe(0);
    expect(delays).toEqual([600_000]);
    expect(code).toMatchObject({ interval: 600, expiresIn: 86_400 });
    expect(code.expiresAt - Date.now()).toBeLessThanOrEqual(86_400_000);
  });

  it('polls no faster than once a second when Twitch sends a tiny interval', async () => {
    // Injected: interval 0.001 s.
    await startFake({ lifetimes: { deviceIntervalSeconds: 0.001, deviceCodeSeconds: 4 } });
    const device = flow();
    const code = await device.getCode();
    expect(code.interval).toBe(1);
    const start = clock.now();
    expect(await rejectionOf(drive(device.waitForAuthComplete()))).toBeInstanceOf(DeviceCodeExpiredError);
    expect(polls().map((at) => at - start)).toEqual([1000, 2000, 3000]);
  });

  it('refuses a duration option past the longest timer with a TypeError giving the range', () => {
    for (const options of [
      { requestTimeoutMs: 2 ** 31 },
      { retry: { maxDelayMs: 2 ** 31 } },
      { requestTimeoutMs: -1 },
    ]) {
      expect(() => new DeviceCodeFlow(publicApp, [], options)).toThrow(
        /must be a whole number of milliseconds from 0 to 2147483647/,
      );
    }
    expect(() => new DeviceCodeFlow(publicApp, [], { requestTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });
});
