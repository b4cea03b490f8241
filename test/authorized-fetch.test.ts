import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthorizedFetch, type AuthorizedFetchSource } from '../src/fetch/authorized-fetch.js';
import { ReauthenticationRequiredError, TokenManager, TokenPool, type UserToken } from '../src/index.js';
import { DEMO_APP, startFakeTwitch, type FakeTwitch, type FakeUser } from '../src/testing/index.js';
import { rejectionOf } from './support/fake.js';
import { startHelixStub, type HelixStub } from './support/helix-stub.js';

const app = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };

let fake: FakeTwitch;
let helix: HelixStub;
let token: UserToken;
let manager: TokenManager;

beforeEach(async () => {
  fake = await startFakeTwitch();
  helix = await startHelixStub(fake);
  token = fake.issueUserToken({ scopes: ['user:read:email'] });
  manager = new TokenManager(app, token, { authBaseUrl: fake.authBaseUrl, retry: { limit: 0 } });
});
afterEach(async () => {
  await manager.stop();
  await helix.close();
  await fake.close();
});

/** The manager as an authorized fetch's source, as `manager.fetch()` uses it. */
function managerSource(tokens: TokenManager = manager): AuthorizedFetchSource {
  return tokens;
}

const url = (endpoint: string): string => `${helix.helixBaseUrl}${endpoint}`;

describe('createAuthorizedFetch', () => {
  it("sends the source's token as Bearer and the app's Client-Id, over headers the caller set, keeping the others", async () => {
    const helixFetch = createAuthorizedFetch(managerSource());
    const response = await helixFetch(url('users'), {
      headers: { Authorization: 'Bearer stale', 'Client-Id': 'another-app', Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: [{ id: '141981764', login: 'twitchdev' }] });
    expect(helix.requests).toMatchObject([{ endpoint: 'users', token: token.accessToken, clientId: app.appId }]);

    // A Request object: its own headers kept, the credentials set.
    const request = new Request(url('users?id=141981764'), { headers: { 'X-Trace': 'abc' } });
    expect((await helixFetch(request)).status).toBe(200);
    expect(helix.requests[1]).toMatchObject({
      query: { id: '141981764' },
      token: token.accessToken,
      clientId: app.appId,
    });
    expect(fake.requestsTo('/token')).toHaveLength(0);
  });

  it('refreshes once after a 401 and sends the request again with the new token', async () => {
    fake.identity.expireAccessToken(token.accessToken); // Helix now refuses it; the manager thinks it fresh
    const response = await createAuthorizedFetch(managerSource())(url('users'));

    expect(response.status).toBe(200);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    const renewed = await manager.getAccessToken();
    expect(renewed).not.toBe(token.accessToken);
    expect(helix.requests.map((r) => [r.token, r.status])).toEqual([
      [token.accessToken, 401],
      [renewed, 200],
    ]);
  });

  it('manager.fetch(): the same, on the manager itself (Client-Id is its appId)', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    const response = await manager.fetch(url('users'), { headers: { 'client-id': 'someone-else' } });

    expect(response.status).toBe(200);
    expect(fake.requestsTo('/token')).toHaveLength(1);
    expect(helix.requests.map((r) => r.status)).toEqual([401, 200]);
    expect(helix.requests.every((r) => r.clientId === app.appId)).toBe(true);
  });

  it('sends a body that is a value again: string, bytes, URLSearchParams, Blob', async () => {
    const helixFetch = createAuthorizedFetch(managerSource());
    const bodies: [NonNullable<RequestInit['body']>, string][] = [
      ['{"title":"hello"}', '{"title":"hello"}'],
      [new TextEncoder().encode('bytes'), 'bytes'],
      [new URLSearchParams({ a: '1' }), 'a=1'],
      [new Blob(['blob']), 'blob'],
    ];
    for (const [body, text] of bodies) {
      fake.identity.expireAccessToken(await manager.getAccessToken());
      const before = helix.requests.length;
      const response = await helixFetch(url('echo'), { method: 'POST', body });
      expect(response.status).toBe(200);
      expect(helix.requests.slice(before).map((r) => [r.status, r.body])).toEqual([
        [401, text],
        [200, text],
      ]);
    }
    expect(fake.requestsTo('/token')).toHaveLength(bodies.length);
  });

  it('many concurrent calls refused with the same token cause one refresh, and all succeed', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    const helixFetch = createAuthorizedFetch(managerSource());
    const responses = await Promise.all(Array.from({ length: 25 }, () => helixFetch(url('users'))));

    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 25 }, () => 200));
    expect(fake.requestsTo('/token')).toHaveLength(1); // refresh tokens spent twice: 0
    expect(helix.requests.filter((r) => r.status === 401)).toHaveLength(25);
    expect(new Set(helix.requests.filter((r) => r.status === 200).map((r) => r.token))).toEqual(
      new Set([await manager.getAccessToken()]),
    );
  });

  it('retries nothing but a 401: a 500, a 429 and a reset connection come back at once', async () => {
    const helixFetch = createAuthorizedFetch(managerSource());
    helix.injectFault({ status: 500 });
    expect((await helixFetch(url('users'))).status).toBe(500);
    helix.injectFault({ status: 429 });
    expect((await helixFetch(url('users'))).status).toBe(429);
    helix.injectFault({ reset: true });
    expect(await rejectionOf(helixFetch(url('users')))).toBeInstanceOf(TypeError); // fetch failed

    expect(helix.requests.map((r) => r.status)).toEqual([500, 429, 0]);
    expect(fake.requestsTo('/token')).toHaveLength(0);
  });

  it('returns a second 401 as it is: one refresh, one retry, no more', async () => {
    helix.injectFault({ status: 401 }, 3);
    const response = await createAuthorizedFetch(managerSource())(url('users'));

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 401, message: 'injected by the test' });
    expect(helix.requests).toHaveLength(2);
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('sends a stream body once: on a 401 it refreshes and returns the 401, and the next call works', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    const helixFetch = createAuthorizedFetch(managerSource());
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new TextEncoder().encode(`chunk${String(pulls)}`));
        if (pulls === 2) controller.close();
      },
    });
    const init: RequestInit & { duplex: 'half' } = { method: 'POST', body: stream, duplex: 'half' };
    const response = await helixFetch(url('echo'), init);

    expect(response.status).toBe(401);
    expect(helix.requests.map((r) => [r.status, r.body])).toEqual([[401, 'chunk1chunk2']]);
    expect(fake.requestsTo('/token')).toHaveLength(1); // refreshed all the same
    expect((await helixFetch(url('echo'), { method: 'POST', body: 'again' })).status).toBe(200);
    expect(fake.requestsTo('/token')).toHaveLength(1);
  });

  it('sends a Request with a body once (its body is a stream), and a Request without one twice', async () => {
    const helixFetch = createAuthorizedFetch(managerSource());
    fake.identity.expireAccessToken(token.accessToken);
    const withBody = await helixFetch(new Request(url('echo'), { method: 'POST', body: 'once' }));
    expect(withBody.status).toBe(401);
    expect(helix.requests.map((r) => r.body)).toEqual(['once']);

    fake.identity.expireAccessToken(await manager.getAccessToken());
    expect((await helixFetch(new Request(url('users')))).status).toBe(200);
    expect(helix.requests.map((r) => r.status)).toEqual([401, 401, 200]);
    // A body given in init replaces the Request's and is a value: sent again.
    fake.identity.expireAccessToken(await manager.getAccessToken());
    const replaced = await helixFetch(new Request(url('echo'), { method: 'POST', body: 'old' }), { body: 'new' });
    expect(replaced.status).toBe(200);
    expect(helix.requests.slice(3).map((r) => [r.status, r.body])).toEqual([
      [401, 'new'],
      [200, 'new'],
    ]);
  });

  it('rejects with the refresh error when the login is gone, and sends nothing more', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    fake.identity.revokeRefreshToken(token.refreshToken);
    const error = await rejectionOf(createAuthorizedFetch(managerSource())(url('users')));

    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    expect(String(error)).not.toContain(token.accessToken);
    expect(helix.requests).toHaveLength(1);
    expect(await rejectionOf(manager.getAccessToken())).toBe(error);
  });

  it('does not send the refused token again when the source could not replace it', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    let refreshes = 0;
    const stuck: AuthorizedFetchSource = {
      appId: app.appId,
      getAccessToken: () => manager.getAccessToken(),
      refresh: () => {
        refreshes += 1; // e.g. a source that leaves refreshing to its timers
        return Promise.resolve();
      },
    };
    const response = await createAuthorizedFetch(stuck)(url('users'));
    expect(response.status).toBe(401);
    expect(refreshes).toBe(1);
    expect(helix.requests).toHaveLength(1);
  });

  it('gives up at once when the signal aborts during the refresh; the refresh still completes', async () => {
    fake.identity.expireAccessToken(token.accessToken);
    fake.injectFault({ endpoint: '/token', delayMs: 300 });
    const controller = new AbortController();
    const call = createAuthorizedFetch(managerSource())(url('users'), { signal: controller.signal });
    while (fake.requestsTo('/token').length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    controller.abort(new Error('the bot is shutting down'));

    expect(await rejectionOf(call)).toMatchObject({ message: 'the bot is shutting down' });
    expect(helix.requests).toHaveLength(1);
    await manager.settled();
    expect(await manager.getAccessToken()).not.toBe(token.accessToken); // the new token was kept
  });

  it('sends with the fetch it was given', async () => {
    const seen: string[] = [];
    const helixFetch = createAuthorizedFetch(managerSource(), {
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get('authorization') ?? '');
        return fetch(input, init);
      },
    });
    fake.identity.expireAccessToken(token.accessToken);
    expect((await helixFetch(url('users'))).status).toBe(200);
    expect(seen).toEqual([`Bearer ${token.accessToken}`, `Bearer ${await manager.getAccessToken()}`]);
  });

  it("pool.fetchForUser(): a TokenPool's users, each refreshed once after a burst of 401s", async () => {
    const users: FakeUser[] = Array.from({ length: 5 }, (_, index) => ({
      id: String(61_000_000 + index),
      login: `u${String(index)}`,
    }));
    for (const user of users) fake.identity.users.set(user.id, user);
    const pool = new TokenPool(app, { authBaseUrl: fake.authBaseUrl, retry: { limit: 0 } });
    const issued = users.map((user) => fake.issueUserToken({ userId: user.id }));
    for (const [index, user] of users.entries()) await pool.addUser(issued[index]!, { userId: user.id });
    for (const userToken of issued) fake.identity.expireAccessToken(userToken.accessToken);

    const responses = await Promise.all(
      users.flatMap((user) => Array.from({ length: 10 }, () => pool.fetchForUser(user.id, url('users')))),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const refreshes = fake.requestsTo('/token');
    expect(refreshes).toHaveLength(users.length); // one per user; refresh tokens spent twice: 0
    expect(new Set(refreshes.map((r) => r.form['refresh_token']))).toEqual(new Set(issued.map((t) => t.refreshToken)));
    for (const user of users) {
      const sent = helix.requests.filter(
        (r) => r.status === 200 && r.token === pool.currentTokenForUser(user.id)?.accessToken,
      );
      expect(sent).toHaveLength(10);
    }
    await pool.stop();
  });
});
