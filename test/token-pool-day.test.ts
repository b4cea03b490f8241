import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenPool, type UserToken } from '../src/index.js';
import { DEMO_APP, ManualClock, startFakeTwitch, type FakeTwitch } from '../src/testing/index.js';

// 1,000 users in one pool over a simulated day, over real HTTP to the fake (about 31,000 requests):
// a file of its own, so that it runs beside the other test files.

const MINUTE = 60_000;
const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };

let fake: FakeTwitch | undefined;
let pool: TokenPool | undefined;
afterEach(async () => {
  await pool?.stop();
  await fake?.close();
});

/** Which user each access token and refresh token belongs to, kept current through onRefresh. */
class Owners {
  readonly #owners = new Map<string, string>();

  add(userId: string, token: UserToken): void {
    this.#owners.set(token.accessToken, userId);
    this.#owners.set(token.refreshToken, userId);
  }

  of(secret: string | undefined): string {
    return this.#owners.get(secret ?? '') ?? 'unknown';
  }
}

const bearer = (header: string | string[] | undefined): string => String(header).replace(/^OAuth /, '');

describe('TokenPool over a simulated day', () => {
  it('validates each of 1,000 users 24 (±1) times, spread evenly over every hour, and refreshes each once per expiry window', async () => {
    const clock = new ManualClock(Date.parse('2026-11-24T00:00:00Z'));
    const users = Array.from({ length: 1000 }, (_, index) => ({
      id: String(1000 + index),
      login: `user${String(index)}`,
    }));
    const twitch = await startFakeTwitch({ now: () => clock.now(), users });
    fake = twitch;
    const owners = new Owners();
    const onInvalid = vi.fn();
    const tokens = new TokenPool(app, {
      clock,
      authBaseUrl: twitch.authBaseUrl,
      retry: 0,
      concurrency: 16,
      onRefresh: (userId, token) => {
        owners.add(userId, token);
      },
      onInvalid,
    });
    pool = tokens;
    await tokens.start();
    const added = await Promise.all(
      users.map(async (user) => {
        const token = twitch.issueUserToken({ userId: user.id, scopes: ['chat:read'] });
        owners.add(user.id, token);
        return tokens.addUser(token);
      }),
    );
    expect(new Set(added).size).toBe(1000); // each user id learned by validating once
    await tokens.settled();
    expect(clock.pendingTimers).toBe(1); // one timer for the whole pool
    twitch.clearRecords();
    const start = clock.now();

    // Time moves a minute at a time (the one timer fires at the end of each minute), so that each
    // minute's validations run together at the pool's concurrency: the day takes seconds, not minutes.
    for (let minute = 0; minute < 24 * 60; minute++) {
      clock.jump(MINUTE);
      await clock.advance(0, () => tokens.settled());
    }

    const validations = twitch.requestsTo('/validate');
    const perUser = new Map<string, number>();
    for (const request of validations) {
      const userId = owners.of(bearer(request.headers['authorization']));
      perUser.set(userId, (perUser.get(userId) ?? 0) + 1);
    }
    expect(perUser.has('unknown')).toBe(false);
    expect(perUser.size).toBe(1000);
    for (const count of perUser.values()) expect(Math.abs(count - 24)).toBeLessThanOrEqual(1);
    const perMinute = new Map<number, number>();
    for (const request of validations) {
      const minute = Math.floor((request.receivedAt - start) / MINUTE);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    const share = validations.length / (24 * 60);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(2 * share);

    // Tokens obtained together (at the start) refresh once per window: 6 windows of ~13,824 s in a day.
    const refreshes = new Map<string, number>();
    for (const request of twitch.requestsTo('/token')) {
      const userId = owners.of(request.form['refresh_token']);
      refreshes.set(userId, (refreshes.get(userId) ?? 0) + 1);
    }
    expect(refreshes.size).toBe(1000);
    for (const count of refreshes.values()) expect(count).toBe(6);
    expect(onInvalid).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(1);
  }, 240_000);
});
