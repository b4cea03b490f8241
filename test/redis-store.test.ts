import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { TokenStoreError, TokenStoreUnavailableError, UserToken } from '../src/index.js';
import { RedisTokenStore } from '../src/redis/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, startFakeTwitch, type FakeTwitch } from '../src/testing/index.js';
import { rejectionOf } from './support/fake.js';
import { redisUnavailableReason, startRedis, type TestRedis } from './support/redis.js';

const reason = redisUnavailableReason();
const skipHere = reason !== undefined && process.env['CI'] !== 'true';
if (skipHere) console.warn(`[redis] SKIPPED: ${reason} (with CI=true this is a failure, not a skip)`);
const suite = skipHere ? describe.skip : describe;

const confidential = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
const publicApp = { appId: DEMO_PUBLIC_APP.clientId };
const WORKER = fileURLToPath(new URL('./fixtures/redis-worker.mjs', import.meta.url));
const LOCK_TTL_MS = 3000;

/** A worker process: one replica of the bot. */
interface Worker {
  readonly process: ChildProcess;
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>;
}

/** A promise and the function that resolves it (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

suite('RedisTokenStore (real Redis)', () => {
  let redis: TestRedis;
  let client: Redis;
  let fake: FakeTwitch;
  const workers: Worker[] = [];
  const stores: RedisTokenStore[] = [];
  let nextKey = 0;
  let key: string;

  beforeAll(async () => {
    if (reason !== undefined) throw new Error(`[redis] ${reason}`);
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  beforeEach(async () => {
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    fake = await startFakeTwitch();
    key = `bot${String(nextKey++)}`;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => stopWorker(worker)));
    await Promise.all(stores.splice(0).map((store) => store.close()));
    client.disconnect();
    await fake.close();
  });

  function store(options: Partial<ConstructorParameters<typeof RedisTokenStore>[0]> = {}): RedisTokenStore {
    const created = new RedisTokenStore({ redis: client, lockTtlMs: LOCK_TTL_MS, pollIntervalMs: 100, ...options });
    stores.push(created);
    return created;
  }

  async function startWorker(app: { appId: string; appSecret?: string }): Promise<Worker> {
    const child = fork(
      WORKER,
      [JSON.stringify({ redisUrl: redis.url, app, key, authBaseUrl: fake.authBaseUrl, lockTtlMs: LOCK_TTL_MS })],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    let id = 0;
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (waiter === undefined) return;
      pending.delete(message.id ?? -1);
      if (message.error === undefined) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
    await new Promise((resolve) => child.once('message', resolve)); // { ready: true }
    const worker: Worker = {
      process: child,
      call: <T>(op: string, args: Record<string, unknown> = {}) =>
        new Promise<T>((resolve, reject) => {
          const callId = id++;
          pending.set(callId, { resolve: resolve as (value: unknown) => void, reject });
          child.send({ id: callId, op, ...args });
        }),
    };
    workers.push(worker);
    return worker;
  }

  async function stopWorker(worker: Worker): Promise<void> {
    const child = worker.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  /** A token minted at the fake, stored as due for refresh (its lifetime nearly over) but still valid. */
  async function seedDueToken(clientId: string): Promise<UserToken> {
    const minted = fake.issueUserToken({ clientId, scopes: ['chat:read'] });
    const due = new UserToken({ ...minted.toJSON(), obtainedAt: Date.now() - (minted.expiresIn - 60) * 1000 });
    await store().set(key, due);
    return due;
  }

  describe('the TokenStore contract, in one process', () => {
    it('gets what was set; update runs one at a time and stores its result', async () => {
      const tokens = store();
      expect(await tokens.get(key)).toBeUndefined();
      const first = fake.issueUserToken();
      await tokens.set(key, first);
      expect((await tokens.get(key))?.toJSON()).toEqual(first.toJSON());
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 5 }, () =>
          tokens.update(key, async (current) => {
            seen.push(current?.accessToken ?? 'none');
            await new Promise((resolve) => setTimeout(resolve, 5));
            return fake.issueUserToken();
          }),
        ),
      );
      expect(new Set(seen).size).toBe(5); // each update saw the previous one's result
      expect(seen[0]).toBe(first.accessToken);
    });

    /** Polling effectively off: a lost wake-up would leave an update waiting for good. */
    const NO_POLLING = { pollIntervalMs: 600_000, waitTimeoutMs: 600_000 };

    /** Another store takes the key's lock and holds it until `release()`; `released` settles after its release. */
    function lockHeldElsewhere(): { release: () => void; released: Promise<UserToken> } {
      const { promise: gate, resolve: release } = deferred();
      const released = store(NO_POLLING).update(key, async () => {
        await gate;
        return fake.issueUserToken();
      });
      return { release, released };
    }

    /** A ready connection of the test's own, closed when the test ends, for fault injection. */
    async function ownClient(): Promise<Redis> {
      const own = client.duplicate();
      own.on('error', () => undefined);
      onTestFinished(() => {
        own.disconnect();
      });
      await new Promise((resolve) => own.once('ready', resolve));
      return own;
    }

    /** `work`, or a failure with `message` if it has not settled in 10 s (it would wait for the poll). */
    async function settlesOrFails<T>(work: Promise<T>, message: string): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(message));
        }, 10_000);
      });
      return Promise.race([work, stuck]).finally(() => {
        clearTimeout(timer);
      });
    }

    it('wakes an update that lost the lock race by the holder’s release, even one that came before it waited', async () => {
      await store().set(key, fake.issueUserToken());
      const holder = lockHeldElsewhere();
      // The waiter's client holds back its failed lock attempt until the holder has released and
      // the release's message has gone out: the worst moment for a wake-up to come.
      const { promise: released, resolve: release } = deferred();
      const { promise: lost, resolve: lostTheRace } = deferred();
      const waiterClient = await ownClient();
      const trySet = waiterClient.set.bind(waiterClient) as (...args: unknown[]) => Promise<string | null>;
      let failedAttempts = 0;
      Object.assign(waiterClient, {
        set: async (...args: unknown[]) => {
          const answer = await trySet(...args);
          if (answer === null && failedAttempts++ === 0) {
            lostTheRace();
            await released;
          }
          return answer;
        },
      });
      const waiter = store({ ...NO_POLLING, redis: waiterClient });
      const waiting = waiter.update(key, async (current) => {
        expect(current?.accessToken).toBe((await holder.released).accessToken);
        return fake.issueUserToken();
      });
      await Promise.race([lost, waiting]);
      expect(failedAttempts).toBe(1);
      holder.release();
      await holder.released;
      await new Promise((resolve) => setTimeout(resolve, 50)); // the release's message is delivered
      release();
      await settlesOrFails(waiting, 'the waiter missed the release and is left to the poll');
      expect(failedAttempts).toBe(1);
    }, 20_000);

    it('lets no update try the lock before the store listens, even while another update opens the subscription', async () => {
      const holder = lockHeldElsewhere();
      // The waiter's subscription is held back until the holder has released.
      const { promise: listening, resolve: listen } = deferred();
      const waiterClient = await ownClient();
      const duplicate = waiterClient.duplicate.bind(waiterClient);
      Object.assign(waiterClient, {
        duplicate: () => {
          const subscriber = duplicate();
          const psubscribe = subscriber.psubscribe.bind(subscriber) as (...args: unknown[]) => Promise<unknown>;
          Object.assign(subscriber, {
            psubscribe: async (...args: unknown[]) => {
              await listening;
              return psubscribe(...args);
            },
          });
          return subscriber;
        },
      });
      const waiter = store({ ...NO_POLLING, redis: waiterClient });
      // Another account's update opens the subscription; this key's update comes while it is pending.
      const other = waiter.update(`${key}-other`, () => Promise.resolve(fake.issueUserToken()));
      const waiting = waiter.update(key, () => Promise.resolve(fake.issueUserToken()));
      await new Promise((resolve) => setTimeout(resolve, 50)); // time for an attempt at the lock, if it would try
      holder.release();
      await holder.released;
      await new Promise((resolve) => setTimeout(resolve, 50)); // the release's message has gone out
      listen();
      await settlesOrFails(
        Promise.all([other, waiting]),
        'an update tried the lock before the store listened, and missed the release',
      );
    }, 20_000);

    it('does not let a subscription that never completes hold up an update: it polls instead', async () => {
      const stalledClient = await ownClient();
      const duplicate = stalledClient.duplicate.bind(stalledClient);
      Object.assign(stalledClient, {
        duplicate: () => Object.assign(duplicate(), { psubscribe: () => new Promise<never>(() => undefined) }),
      });
      const tokens = store({ redis: stalledClient, commandTimeoutMs: 200 });
      const next = fake.issueUserToken();
      const updated = await settlesOrFails(
        tokens.update(key, () => Promise.resolve(next)),
        'the update waited for a subscription that never came',
      );
      expect(updated.accessToken).toBe(next.accessToken);
    });

    it('keeps every key under the prefix', async () => {
      const tokens = store({ keyPrefix: 'mybot:' });
      await tokens.set(key, fake.issueUserToken());
      expect(await client.keys(`mybot:*${key}`)).toEqual(
        expect.arrayContaining([`mybot:token:${key}`, `mybot:version:${key}`]),
      );
    });

    it('encrypts tokens at rest with AES-256-GCM, bound to their key', async () => {
      const encryptionKey = Buffer.alloc(32, 7).toString('base64');
      const token = fake.issueUserToken();
      await store({ encryptionKey }).set(key, token);
      const raw = (await client.get(`twitchapi-oauth:token:${key}`)) ?? '';
      expect(raw.startsWith('aes-256-gcm:v1:')).toBe(true);
      expect(raw).not.toContain(token.accessToken);
      expect(raw).not.toContain(token.refreshToken);
      expect((await store({ encryptionKey }).get(key))?.accessToken).toBe(token.accessToken);

      expect(await rejectionOf(store().get(key))).toBeInstanceOf(TokenStoreError);
      const wrong = await rejectionOf(store({ encryptionKey: Buffer.alloc(32, 8) }).get(key));
      expect(wrong).toBeInstanceOf(TokenStoreError);
      expect(String(wrong)).toMatch(/cannot be decrypted with this encryptionKey/);
      await client.set(`twitchapi-oauth:token:copy${key}`, raw);
      expect(await rejectionOf(store({ encryptionKey }).get(`copy${key}`))).toBeInstanceOf(TokenStoreError);
      expect(() => store({ encryptionKey: 'short' })).toThrow(/32 bytes/);
    });

    it('names a value that is not a token', async () => {
      await client.set(`twitchapi-oauth:token:${key}`, '{"theme":"dark"}');
      const error = await rejectionOf(store().get(key));
      expect(error).toMatchObject({ reason: 'corrupt', path: `twitchapi-oauth:token:${key}` });
    });

    it('never lets a stale writer overwrite a newer token (compare-and-set on the version)', async () => {
      const tokens = store();
      await tokens.set(key, fake.issueUserToken());
      const newer = fake.issueUserToken();
      const result = await tokens.update(key, async () => {
        // Meanwhile (say this process was paused past its lock), a newer token is stored.
        await tokens.set(key, newer);
        return fake.issueUserToken();
      });
      expect(result.accessToken).toBe(newer.accessToken);
      expect((await tokens.get(key))?.accessToken).toBe(newer.accessToken);
    });

    it('fails fast with a transient TokenStoreUnavailableError while Redis is unreachable, and reports it', async () => {
      const changes: boolean[] = [];
      const down = new Redis('redis://127.0.0.1:1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      down.on('error', () => undefined);
      const tokens = new RedisTokenStore({ redis: down, onAvailabilityChange: (available) => changes.push(available) });
      const error = await rejectionOf(tokens.get(key));
      expect(error).toBeInstanceOf(TokenStoreUnavailableError);
      expect(error).toMatchObject({ transient: true });
      expect(tokens.available).toBe(false);
      expect(changes).toEqual([false]);
      await tokens.close();
      down.disconnect();
    });
  });

  describe('across processes', () => {
    it('4 processes × 50 concurrent getAccessToken() across an expiry: exactly 1 refresh, everyone gets the new token', async () => {
      const due = await seedDueToken(DEMO_APP.clientId);
      const replicas = await Promise.all(Array.from({ length: 4 }, () => startWorker(confidential)));
      const results = (await Promise.all(replicas.map((worker) => worker.call<string[]>('getMany', { n: 50 })))).flat();
      expect(results).toHaveLength(200);
      expect(new Set(results).size).toBe(1);
      expect(results[0]).not.toBe(due.accessToken);
      expect(fake.requestsTo('/token')).toHaveLength(1);
      expect((await store().get(key))?.accessToken).toBe(results[0]);
    });

    it('public client, 20 refresh cycles with 4 processes: no refresh token spent twice, never "Invalid refresh token"', async () => {
      await seedDueToken(DEMO_PUBLIC_APP.clientId);
      const replicas = await Promise.all(Array.from({ length: 4 }, () => startWorker(publicApp)));
      let current = (await replicas[0]?.call<string[]>('getMany', { n: 1 }))?.[0] ?? '';
      const before = fake.requestsTo('/token').length;
      for (let cycle = 0; cycle < 20; cycle++) {
        // Every replica saw Helix refuse the same token and asks for a refresh at once.
        const refreshed = await Promise.all(
          replicas.flatMap((worker) => [
            worker.call<string>('refresh', { rejected: current }),
            worker.call<string>('refresh', { rejected: current }),
          ]),
        );
        expect(new Set(refreshed).size).toBe(1);
        expect(refreshed[0]).not.toBe(current);
        current = refreshed[0] ?? '';
      }
      const refreshes = fake.requestsTo('/token').slice(before);
      expect(refreshes).toHaveLength(20);
      expect(new Set(refreshes.map((request) => request.form['refresh_token'])).size).toBe(20);
      for (const worker of replicas) {
        const state = await worker.call<{ failures: string[] }>('state');
        expect(state.failures).toEqual([]);
      }
    });

    it('a lock holder killed mid-refresh delays the others by the lock expiry at most; then one of them refreshes', async () => {
      await seedDueToken(DEMO_APP.clientId);
      const [holder, other] = await Promise.all([startWorker(confidential), startWorker(confidential)]);
      fake.injectFault({ endpoint: '/token', delayMs: 10_000 });
      void holder.call('getMany', { n: 1 }).catch(() => undefined);
      while (fake.requestsTo('/token').length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      holder.process.kill('SIGKILL');
      const started = Date.now();
      const [token] = await other.call<string[]>('getMany', { n: 1 });
      const waited = Date.now() - started;
      expect(token).toMatch(/^[a-z0-9]{30}$/);
      expect(fake.requestsTo('/token')).toHaveLength(2);
      expect(waited).toBeLessThan(LOCK_TTL_MS + 2000); // a bound from the lock's expiry, not a speed target
      expect((await store().get(key))?.accessToken).toBe(token);
    });

    it('Redis restarted mid-run: tokens kept and served from cache, no refresh without the lock, recovery after', async () => {
      await seedDueToken(DEMO_APP.clientId);
      const replicas = await Promise.all(Array.from({ length: 3 }, () => startWorker(confidential)));
      const [first] = (await replicas[0]?.call<string[]>('getMany', { n: 1 })) ?? [];
      await Promise.all(replicas.map((worker) => worker.call('getMany', { n: 5 })));
      const refreshesBefore = fake.requestsTo('/token').length;

      await redis.stop();
      // Served from each process's cache while Redis is down.
      for (const worker of replicas)
        expect(await worker.call<string[]>('getMany', { n: 3 })).toEqual([first, first, first]);
      // A forced refresh needs the lock: it fails, transiently, and Twitch sees nothing.
      await expect(replicas[1]?.call('refresh', { rejected: first })).rejects.toThrow(/TokenStoreUnavailableError/);
      expect(fake.requestsTo('/token')).toHaveLength(refreshesBefore);
      expect((await replicas[1]?.call<{ available: boolean }>('state'))?.available).toBe(false);

      await redis.start();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the clients reconnect
      const after = await Promise.all(replicas.map((worker) => worker.call<string>('refresh', { rejected: first })));
      expect(new Set(after).size).toBe(1);
      expect(fake.requestsTo('/token')).toHaveLength(refreshesBefore + 1);
      expect((await replicas[0]?.call<{ available: boolean }>('state'))?.available).toBe(true);
    });

    it('a process paused (SIGSTOP) during its refresh cannot overwrite the newer token when it resumes', async () => {
      await seedDueToken(DEMO_APP.clientId);
      const [paused, other] = await Promise.all([startWorker(confidential), startWorker(confidential)]);
      fake.injectFault({ endpoint: '/token', delayMs: 1500 });
      const pausedResult = paused.call<string[]>('getMany', { n: 1 });
      while (fake.requestsTo('/token').length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      paused.process.kill('SIGSTOP');
      // Its lock lapses; the other process refreshes and stores a newer token.
      const [newer] = await other.call<string[]>('getMany', { n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1600)); // the paused one's answer has arrived meanwhile
      paused.process.kill('SIGCONT');
      const [resumed] = await pausedResult;
      expect(fake.requestsTo('/token')).toHaveLength(2);
      expect((await store().get(key))?.accessToken).toBe(newer);
      expect(resumed).toBe(newer);
    });
  });
});
