import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { TokenStoreError, TokenStoreUnavailableError } from '../src/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../src/redis/index.js';
import type { TokenLease } from '../src/store/token-store.js';
import { rejectionOf } from './support/fake.js';
import { redisUnavailableReason, startRedis, type TestRedis } from './support/redis.js';
import { expectNoSecrets, randomToken, recordAt, secretsOf } from './support/redis-tokens.js';
import { sendingMark } from './support/store-contract.js';

const reason = redisUnavailableReason();
const skipHere = reason !== undefined && process.env['CI'] !== 'true';
if (skipHere) console.warn(`[redis] SKIPPED: ${reason} (with CI=true this is a failure, not a skip)`);
const suite = skipHere ? describe.skip : describe;

/** Polling effectively off: a lost wake-up would leave a waiter waiting for good. */
const NO_POLLING = { pollIntervalMs: 600_000, waitTimeoutMs: 600_000 };

/** A promise and the function that resolves it (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
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

suite('RedisTokenStore on a standalone redis-server', () => {
  let redis: TestRedis;
  let admin: Redis;
  let client: Redis;
  const stores: RedisTokenStore[] = [];
  let nextKey = 0;
  let key: string;
  const record = (name: string): string => `twitchapi-oauth:{${name}}:token`;
  const lockOf = (name: string): string => `twitchapi-oauth:{${name}}:lock`;

  beforeAll(async () => {
    if (reason !== undefined) throw new Error(`[redis] ${reason}`);
    redis = await startRedis({ persistence: 'none' });
    admin = await redis.admin();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  beforeEach(async () => {
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    key = `bot${String(nextKey++)}`;
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    client.disconnect();
  });

  function store(options: Partial<RedisTokenStoreOptions> = {}): RedisTokenStore {
    const created = new RedisTokenStore({ redis: client, lockTtlMs: 3000, pollIntervalMs: 100, ...options });
    stores.push(created);
    return created;
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

  describe('records and their lineage', () => {
    it('reads nothing, then what was written; one hash per token holds the generation and the value', async () => {
      const tokens = store();
      expect(await tokens.read(key)).toBeUndefined();
      const first = recordAt(1);
      expect(await tokens.writeIfNewer(key, first)).toEqual({ written: true, current: first });
      const read = await tokens.read(key);
      expect(read?.generation).toBe(1);
      expect(read?.token.toJSON()).toEqual(first.token.toJSON());
      expect(await admin.type(record(key))).toBe('hash');
      expect(await admin.hget(record(key), 'generation')).toBe('1');
      // No separate counter or token key: the lineage cannot be split from the token.
      expect((await admin.keys(`*${key}*`)).sort()).toEqual([record(key)]);
    });

    it('never replaces a newer or equal generation, and says what is stored', async () => {
      const tokens = store();
      const stored = recordAt(5);
      await tokens.writeIfNewer(key, stored);
      for (const stale of [recordAt(4), recordAt(5), recordAt(0)]) {
        const outcome = await tokens.writeIfNewer(key, stale);
        expect(outcome.written).toBe(false);
        expect(outcome.current.generation).toBe(5);
        expect(outcome.current.token.accessToken).toBe(stored.token.accessToken);
      }
      const newer = recordAt(6);
      expect((await tokens.writeIfNewer(key, newer)).written).toBe(true);
      expect((await tokens.read(key))?.token.accessToken).toBe(newer.token.accessToken);
    });

    it('restores a newer token over a store that went back (an old snapshot, a lagging replica)', async () => {
      const tokens = store();
      const kept = recordAt(9);
      await tokens.writeIfNewer(key, kept);
      // The store loses data: an older record comes back.
      await admin.hset(record(key), 'generation', '7', 'value', JSON.stringify(randomToken()));
      expect(await tokens.writeIfNewer(key, kept)).toEqual({ written: true, current: kept });
      expect((await tokens.read(key))?.generation).toBe(9);
    });

    it('counts the same record written again (its first answer was lost) as written', async () => {
      const tokens = store();
      const same = recordAt(3);
      await tokens.writeIfNewer(key, same);
      expect(await tokens.writeIfNewer(key, same)).toEqual({ written: true, current: same });
    });

    it('deletes a record; keys() lists every record under the prefix (SCAN, many pages)', async () => {
      const tokens = store({ keyPrefix: `list${key}:` });
      const names = Array.from({ length: 600 }, (_, index) => `user${String(index)}`);
      await Promise.all(names.map((name) => tokens.writeIfNewer(name, recordAt(1))));
      await admin.set(`list${key}:not-a-record`, 'x');
      const listed: string[] = [];
      for await (const listedKey of tokens.keys()) listed.push(listedKey);
      expect(listed.sort()).toEqual([...names].sort());
      await tokens.delete('user1');
      await tokens.delete('user1'); // nothing there: nothing happens
      expect(await tokens.read('user1')).toBeUndefined();
    });

    it('refuses bad records and keys with a TypeError', async () => {
      const tokens = store();
      await expect(tokens.writeIfNewer(key, { token: randomToken(), generation: -1 })).rejects.toThrow(TypeError);
      await expect(tokens.writeIfNewer(key, { token: randomToken(), generation: 1.5 })).rejects.toThrow(TypeError);
      await expect(tokens.writeIfNewer(key, { token: { accessToken: 'x' } as never, generation: 1 })).rejects.toThrow(
        TypeError,
      );
      await expect(tokens.read('')).rejects.toThrow(TypeError);
      await expect(tokens.read('a}b')).rejects.toThrow(/braces/);
    });
  });

  describe('the lock', () => {
    it('has one holder at a time; the next is woken by the release', async () => {
      const [a, b] = [store(NO_POLLING), store(NO_POLLING)];
      const first = await a.lock(key);
      let secondHeld = false;
      const second = b.lock(key).then((lease) => {
        secondHeld = true;
        return lease;
      });
      await sleep(100);
      expect(secondHeld).toBe(false);
      await first.release();
      const lease = await settlesOrFails(second, 'the waiter was not woken by the release');
      await lease.release();
      expect(await admin.exists(lockOf(key))).toBe(0);
    });

    it('confirms only while held and only for the stored generation, and gives the request a full lifetime', async () => {
      const tokens = store({ lockTtlMs: 3000 });
      await tokens.writeIfNewer(key, recordAt(4));
      const lease = await tokens.lock(key);
      expect(await lease.confirm(3, sendingMark())).toBe(false);
      expect(await lease.confirm(undefined, sendingMark())).toBe(false);
      await admin.pexpire(lockOf(key), 50);
      expect(await lease.confirm(4, sendingMark())).toBe(true);
      expect(await admin.pttl(lockOf(key))).toBeGreaterThan(1000); // extended, not the 50 ms left
      await lease.release();
      expect(await lease.confirm(4, sendingMark())).toBe(false); // released
      // Nothing stored: confirm(undefined) is the check.
      const empty = await tokens.lock(`${key}-empty`);
      expect(await empty.confirm(undefined, sendingMark())).toBe(true);
      expect(await empty.confirm(0, sendingMark())).toBe(false);
      await empty.release();
    });

    it('renews the lock while held, so a long refresh keeps it', async () => {
      const tokens = store({ lockTtlMs: 300 });
      await tokens.writeIfNewer(key, recordAt(1));
      const lease = await tokens.lock(key);
      await sleep(1000); // more than three lifetimes
      expect(await admin.get(lockOf(key))).not.toBeNull();
      expect(await lease.confirm(1, sendingMark())).toBe(true);
      await lease.release();
    });

    it('a lease whose renewal found another owner is lost for good: confirm is false, even if the lock came back', async () => {
      const tokens = store({ lockTtlMs: 600 });
      await tokens.writeIfNewer(key, recordAt(1));
      const lease = await tokens.lock(key);
      const owner = await admin.get(lockOf(key));
      // As if it lapsed while this process stalled, and another took it.
      await admin.set(lockOf(key), 'another-owner', 'PX', 5000);
      await sleep(450); // a renewal has run
      await admin.set(lockOf(key), owner ?? '', 'PX', 5000);
      expect(await lease.confirm(1, sendingMark())).toBe(false);
      await lease.release();
    });

    it('a lease whose renewal failed (Redis did not answer in time) is lost: confirm is false', async () => {
      const tokens = store({ lockTtlMs: 600, commandTimeoutMs: 100 });
      await tokens.writeIfNewer(key, recordAt(1));
      const lease = await tokens.lock(key);
      const sleeper = await ownClient();
      await sleeper.call('DEBUG', 'SLEEP', '0.5'); // the renewal due meanwhile times out
      await sleep(250);
      expect(await lease.confirm(1, sendingMark())).toBe(false);
      await lease.release();
    });

    it('a lease stalled past its lifetime (the event loop blocked) cannot confirm: another holds the lock', async () => {
      const [stalled, other] = [store({ lockTtlMs: 300 }), store({ lockTtlMs: 300 })];
      await stalled.writeIfNewer(key, recordAt(1));
      const lease = await stalled.lock(key);
      const otherLease = other.lock(key);
      const end = Date.now() + 700;
      while (Date.now() < end); // a stall: no timer, no renewal
      const taken = await otherLease;
      expect(await lease.confirm(1, sendingMark())).toBe(false);
      expect(await taken.confirm(1, sendingMark())).toBe(true);
      await lease.release(); // not its lock any more: the other keeps it
      expect(await taken.confirm(1, sendingMark())).toBe(true);
      await taken.release();
    });

    it('gives up waiting after waitTimeoutMs (transient), and at once when the signal aborts', async () => {
      const holder = await store().lock(key);
      const impatient = store({ waitTimeoutMs: 300 });
      const timedOut = await rejectionOf(impatient.lock(key));
      expect(timedOut).toBeInstanceOf(TokenStoreUnavailableError);
      expect(timedOut).toMatchObject({ transient: true });
      const controller = new AbortController();
      const waiting = store(NO_POLLING).lock(key, { signal: controller.signal });
      controller.abort(new Error('shutting down'));
      await expect(waiting).rejects.toThrow('shutting down');
      await holder.release();
    });

    it('releases a lock whose SET answered only after the attempt timed out (CLIENT PAUSE)', async () => {
      const tokens = store({ commandTimeoutMs: 200 });
      const pauser = await ownClient();
      await pauser.call('CLIENT', 'PAUSE', '700', 'WRITE');
      const error = await rejectionOf(tokens.lock(key));
      expect(error).toBeInstanceOf(TokenStoreUnavailableError);
      await sleep(900); // the pause is over: the SET NX applied late
      for (let tries = 0; tries < 20 && (await admin.exists(lockOf(key))) === 1; tries++) await sleep(50);
      expect(await admin.exists(lockOf(key))).toBe(0);
    });
  });

  describe('wake-ups', () => {
    /** Another store takes the key's lock and holds it until `release()`. */
    async function lockHeldElsewhere(): Promise<{ release: () => Promise<void> }> {
      const lease: TokenLease = await store(NO_POLLING).lock(key);
      return { release: () => lease.release() };
    }

    it('wakes a lock() that lost the race by the holder’s release, even one that came before it waited', async () => {
      const holder = await lockHeldElsewhere();
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
      const waiting = store({ ...NO_POLLING, redis: waiterClient }).lock(key);
      await Promise.race([lost, waiting]);
      expect(failedAttempts).toBe(1);
      await holder.release();
      await sleep(50); // the release's message is delivered
      release();
      const lease = await settlesOrFails(waiting, 'the waiter missed the release and is left to the poll');
      expect(failedAttempts).toBe(1);
      await lease.release();
    });

    it('lets no lock() try before the store listens, even while another opens the subscription', async () => {
      const holder = await lockHeldElsewhere();
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
      // Another account's lock() opens the subscription; this key's comes while it is pending.
      const other = waiter.lock(`${key}-other`);
      const waiting = waiter.lock(key);
      await sleep(50); // time for an attempt at the lock, if it would try
      await holder.release();
      await sleep(50);
      listen();
      const leases = await settlesOrFails(
        Promise.all([other, waiting]),
        'a lock() tried before the store listened, and missed the release',
      );
      for (const lease of leases) await lease.release();
    });

    it('does not let a subscription that never completes hold up a lock(): it polls instead', async () => {
      const stalledClient = await ownClient();
      const duplicate = stalledClient.duplicate.bind(stalledClient);
      Object.assign(stalledClient, {
        duplicate: () => Object.assign(duplicate(), { psubscribe: () => new Promise<never>(() => undefined) }),
      });
      const lease = await settlesOrFails(
        store({ redis: stalledClient, commandTimeoutMs: 200 }).lock(key),
        'the lock() waited for a subscription that never came',
      );
      await lease.release();
    });
  });

  describe('encryption at rest', () => {
    const encryptionKey = Buffer.alloc(32, 7).toString('base64');

    it('stores AES-256-GCM ciphertext bound to the record and its generation', async () => {
      const tokens = store({ encryptionKey });
      const written = recordAt(2);
      await tokens.writeIfNewer(key, written);
      const raw = (await admin.hget(record(key), 'value')) ?? '';
      expect(raw.startsWith('aes-256-gcm:v1:')).toBe(true);
      for (const secret of secretsOf(written.token)) expect(raw).not.toContain(secret);
      expect((await store({ encryptionKey }).read(key))?.token.accessToken).toBe(written.token.accessToken);

      // Copied to another key, or replayed under a higher generation: refused.
      await admin.hset(record(`${key}copy`), 'generation', '2', 'value', raw);
      expect(await rejectionOf(tokens.read(`${key}copy`))).toMatchObject({ reason: 'corrupt' });
      await admin.hset(record(key), 'generation', '3');
      const replayed = await rejectionOf(tokens.read(key));
      expect(replayed).toBeInstanceOf(TokenStoreError);
      expect(String(replayed)).toMatch(/cannot be decrypted with this encryptionKey/);
    });

    it('refuses a plaintext token planted in Redis, never uses it', async () => {
      const planted = randomToken();
      await admin.hset(record(key), 'generation', '50', 'value', JSON.stringify(planted));
      const tokens = store({ encryptionKey });
      const error = await rejectionOf(tokens.read(key));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ reason: 'corrupt', path: record(key), transient: false });
      expect(String(error)).toMatch(/not encrypted/);
      expectNoSecrets(error, secretsOf(planted));
      // A write does not adopt it either.
      expect(await rejectionOf(tokens.writeIfNewer(key, recordAt(3)))).toBeInstanceOf(TokenStoreError);
    });

    it('names the problem with a wrong key or without one', async () => {
      await store({ encryptionKey }).writeIfNewer(key, recordAt(1));
      expect(await rejectionOf(store().read(key))).toMatchObject({ reason: 'corrupt' });
      expect(String(await rejectionOf(store({ encryptionKey: Buffer.alloc(32, 8) }).read(key)))).toMatch(
        /cannot be decrypted/,
      );
      expect(() => store({ encryptionKey: 'short' })).toThrow(/32 bytes/);
    });
  });

  describe('foreign values', () => {
    it('names a value that is not a token record', async () => {
      await admin.hset(record(key), 'generation', '1', 'value', '{"theme":"dark"}');
      expect(await rejectionOf(store().read(key))).toMatchObject({ reason: 'corrupt', path: record(key) });
      await admin.hset(record(`${key}b`), 'generation', 'one', 'value', JSON.stringify(randomToken()));
      expect(await rejectionOf(store().read(`${key}b`))).toMatchObject({ reason: 'corrupt' });
      expect(await rejectionOf(store().writeIfNewer(`${key}b`, recordAt(2)))).toMatchObject({ reason: 'corrupt' });
      await admin.set(record(`${key}c`), 'a string');
      expect(await rejectionOf(store().read(`${key}c`))).toMatchObject({ reason: 'corrupt', path: record(`${key}c`) });
      expect(await rejectionOf(store().writeIfNewer(`${key}c`, recordAt(1)))).toMatchObject({ reason: 'corrupt' });
    });
  });

  describe('connecting, and outages', () => {
    it('works as the README shows it: a client still connecting, used at once', async () => {
      const fresh = new Redis(redis.url);
      onTestFinished(() => {
        fresh.disconnect();
      });
      const tokens = new RedisTokenStore({ redis: fresh });
      stores.push(tokens);
      expect(fresh.status).not.toBe('ready');
      expect(await tokens.read(key)).toBeUndefined();
      expect((await tokens.writeIfNewer(key, recordAt(1))).written).toBe(true);
    });

    it('connects a lazyConnect client on first use', async () => {
      const lazy = new Redis(redis.url, { lazyConnect: true });
      onTestFinished(() => {
        lazy.disconnect();
      });
      const tokens = new RedisTokenStore({ redis: lazy });
      stores.push(tokens);
      const lease = await tokens.lock(key);
      expect(await lease.confirm(undefined, sendingMark())).toBe(true);
      await lease.release();
    });

    it('gives up on a client that never gets ready after connectTimeoutMs, transiently', async () => {
      const nowhere = new Redis('redis://127.0.0.1:1', { retryStrategy: () => 50 });
      nowhere.on('error', () => undefined);
      onTestFinished(() => {
        nowhere.disconnect();
      });
      const tokens = new RedisTokenStore({ redis: nowhere, connectTimeoutMs: 300 });
      const error = await rejectionOf(tokens.read(key));
      expect(error).toBeInstanceOf(TokenStoreUnavailableError);
      expect(String(error)).toMatch(/did not become ready within 300 ms.*ECONNREFUSED/);
      await tokens.close();
    });

    it('fails fast once the client was ready and Redis is down, reports it, and recovers', async () => {
      const own = await startRedis({ persistence: 'aof' });
      onTestFinished(() => own.destroy());
      const ownClient = new Redis(own.url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 });
      ownClient.on('error', () => undefined);
      onTestFinished(() => {
        ownClient.disconnect();
      });
      const changes: boolean[] = [];
      // A connect timeout far beyond the test's: were it applied, the test would time out.
      const tokens = new RedisTokenStore({
        redis: ownClient,
        connectTimeoutMs: 600_000,
        onAvailabilityChange: (available) => changes.push(available),
      });
      stores.push(tokens);
      await tokens.writeIfNewer(key, recordAt(1));
      await own.stop();
      for (const attempt of [tokens.read(key), tokens.writeIfNewer(key, recordAt(2)), tokens.lock(key)]) {
        const error = await rejectionOf(attempt);
        expect(error).toBeInstanceOf(TokenStoreUnavailableError);
        expect(error).toMatchObject({ transient: true });
      }
      expect(tokens.available).toBe(false);
      await own.start();
      await new Promise((resolve) => ownClient.once('ready', resolve));
      // The write that failed while Redis was down is retried by the store itself once it is back.
      for (let tries = 0; tries < 100 && (await tokens.read(key))?.generation !== 2; tries++) await sleep(50);
      expect((await tokens.read(key))?.generation).toBe(2);
      expect(tokens.available).toBe(true);
      expect(changes).toEqual([false, true]);
    });
  });

  describe('what only this process knows survives Redis', () => {
    async function ownServer(persistence: 'none' | 'aof'): Promise<{ server: TestRedis; client: Redis }> {
      const server = await startRedis({ persistence });
      onTestFinished(() => server.destroy());
      const ownClient = new Redis(server.url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 });
      ownClient.on('error', () => undefined);
      onTestFinished(() => {
        ownClient.disconnect();
      });
      await new Promise((resolve) => ownClient.once('ready', resolve));
      return { server, client: ownClient };
    }

    async function generationOf(tokens: RedisTokenStore, name: string, expected: number): Promise<number | undefined> {
      for (let tries = 0; tries < 100; tries++) {
        const generation = (await tokens.read(name).catch(() => undefined))?.generation;
        if (generation === expected) return generation;
        await sleep(50);
      }
      return (await tokens.read(name))?.generation;
    }

    it('retries a write Redis refused (OOM) until it lands', async () => {
      const { server, client: ownClient } = await ownServer('none');
      const tokens = store({ redis: ownClient });
      const ownAdmin = await server.admin();
      await tokens.writeIfNewer(key, recordAt(1));
      await ownAdmin.config('SET', 'maxmemory', '1');
      await expect(tokens.writeIfNewer(key, recordAt(2))).rejects.toBeInstanceOf(TokenStoreUnavailableError);
      await ownAdmin.config('SET', 'maxmemory', '0');
      expect(await generationOf(store({ redis: ownAdmin }), key, 2)).toBe(2);
    });

    it('keeps the lock after release() until a refreshed token whose write failed is stored: the next holder reads it', async () => {
      const { server, client: ownClient } = await ownServer('none');
      const holder = store({ redis: ownClient, ...NO_POLLING });
      const next = store({ redis: await server.admin(), ...NO_POLLING });
      const ownAdmin = await server.admin();
      await holder.writeIfNewer(key, recordAt(1));
      const lease = await holder.lock(key);
      expect(await lease.confirm(1, sendingMark())).toBe(true);
      // The refresh token of generation 1 is spent; the new token's write is refused.
      await ownAdmin.config('SET', 'maxmemory', '1');
      await expect(holder.writeIfNewer(key, recordAt(2))).rejects.toBeInstanceOf(TokenStoreUnavailableError);
      await lease.release(); // resolves at once…
      await ownAdmin.config('SET', 'maxmemory', '0');
      // …but the next holder gets the lock only once generation 2 is stored, and reads it.
      const nextLease = await settlesOrFails(next.lock(key), 'the lock was never handed over');
      expect((await next.read(key))?.generation).toBe(2);
      expect(await nextLease.confirm(2, sendingMark())).toBe(true);
      await nextLease.release();
    });

    it('restores its newest records after Redis came back without them (restart without persistence)', async () => {
      const { server, client: ownClient } = await ownServer('none');
      const tokens = store({ redis: ownClient });
      await tokens.writeIfNewer(key, recordAt(5));
      await tokens.writeIfNewer(`${key}-gone`, recordAt(3));
      await tokens.delete(`${key}-gone`); // deleted on purpose: not restored
      await server.stop();
      await server.start();
      const ownAdmin = await server.admin();
      const view = store({ redis: ownAdmin });
      expect(await generationOf(view, key, 5)).toBe(5);
      expect(await view.read(`${key}-gone`)).toBeUndefined();
      // Marked as possibly being sent: the lock went with the data, and a holder whose request is in
      // flight may still answer for generation 5; the next holder waits for that before spending.
      const mark = (await view.read(key))?.spend;
      expect(mark?.state === 'sending' ? mark.by : mark).toBe('restored:reconnect');
      // …until the longest a default manager's refresh call can take (52 s) has passed.
      expect(mark?.state === 'sending' ? mark.until - Date.now() : 0).toBeGreaterThan(40_000);
    });

    it('restores a record it read as refused still refused (nobody sends that token again)', async () => {
      const { server, client: ownClient } = await ownServer('none');
      const tokens = store({ redis: ownClient });
      await tokens.writeIfNewer(key, recordAt(5));
      const lease = await tokens.lock(key);
      expect(await lease.confirm(5, sendingMark())).toBe(true);
      await lease.markRefused(5, 'test-app');
      await lease.release();
      expect((await tokens.read(key))?.spend).toEqual({ state: 'refused', appId: 'test-app' });
      await server.stop();
      await server.start();
      const view = store({ redis: await server.admin() });
      expect(await generationOf(view, key, 5)).toBe(5);
      expect((await view.read(key))?.spend).toEqual({ state: 'refused', appId: 'test-app' });
    });
  });

  describe('no secret in an error', () => {
    it('an OOM refusal of a write carries no token in its message, cause, inspect or console.dir output', async () => {
      const own = await startRedis({ persistence: 'none' });
      onTestFinished(() => own.destroy());
      const ownClient = new Redis(own.url);
      onTestFinished(() => {
        ownClient.disconnect();
      });
      for (const encryptionKey of [undefined, Buffer.alloc(32, 1)]) {
        const tokens = new RedisTokenStore({ redis: ownClient, ...(encryptionKey ? { encryptionKey } : {}) });
        stores.push(tokens);
        const ownAdmin = await own.admin();
        await ownAdmin.config('SET', 'maxmemory', '1');
        const written = recordAt(1);
        const error = await rejectionOf(tokens.writeIfNewer(key, written));
        await ownAdmin.config('SET', 'maxmemory', '0');
        expect(error).toBeInstanceOf(TokenStoreUnavailableError);
        expect(String(error)).toMatch(/OOM/);
        expect((error as Error).cause).toBeInstanceOf(Error);
        expect(Object.keys((error as Error).cause as object)).not.toContain('command');
        expectNoSecrets(error, secretsOf(written.token));
      }
    });
  });

  describe('options', () => {
    it('refuses bad options with a TypeError at construction', () => {
      const bad: unknown[] = [
        undefined,
        {},
        { redis: {} },
        { redis: 'redis://localhost' },
        { redis: client, lockTtlMs: -1 },
        { redis: client, lockTtlMs: 2 ** 31 },
        { redis: client, waitTimeoutMs: Number.NaN },
        { redis: client, pollIntervalMs: 0 },
        { redis: client, commandTimeoutMs: 1.5 },
        { redis: client, connectTimeoutMs: Infinity },
        { redis: client, replicas: { count: 0 } },
        { redis: client, replicas: { count: 1, timeoutMs: 0 } },
        { redis: client, replicas: 1 },
        { redis: client, keyPrefix: 'a{b}:' },
        { redis: client, keyPrefix: 5 },
        { redis: client, encryptionKey: 'short' },
        { redis: client, lockTTLMs: 5000 },
        { redis: client, onAvailabilityChange: 'log' },
      ];
      for (const options of bad) {
        expect(() => new RedisTokenStore(options as RedisTokenStoreOptions), JSON.stringify(options ?? null)).toThrow(
          TypeError,
        );
      }
      expect(() => new RedisTokenStore({ redis: client, lockTtlMs: 2 ** 31 })).toThrow(/from 3 to 2147483647/);
      expect(() => new RedisTokenStore({ redis: client, lockTTLMs: 1 } as never)).toThrow(/lockTTLMs.*lockTtlMs/);
    });

    it('works with the client options that change reply shapes (stringNumbers, RESP2)', async () => {
      for (const clientOptions of [{ stringNumbers: true }, { protocol: 2 as const }]) {
        const shaped = new Redis(redis.url, clientOptions);
        onTestFinished(() => {
          shaped.disconnect();
        });
        const tokens = store({ redis: shaped, ...NO_POLLING });
        const name = `${key}-${Object.keys(clientOptions).join()}`;
        expect((await tokens.writeIfNewer(name, recordAt(2))).written).toBe(true);
        expect(await tokens.writeIfNewer(name, recordAt(1))).toMatchObject({
          written: false,
          current: { generation: 2 },
        });
        const held = await store(NO_POLLING).lock(name);
        const waiting = tokens.lock(name);
        await sleep(50);
        await held.release();
        const lease = await settlesOrFails(waiting, 'the wake-up was lost');
        expect(await lease.confirm(2, sendingMark())).toBe(true);
        await lease.release();
      }
    });

    it('refuses an ioredis client with its own keyPrefix; a duplicate without it works, wake-ups included', async () => {
      const prefixed = client.duplicate({ keyPrefix: 'app:' });
      onTestFinished(() => {
        prefixed.disconnect();
      });
      expect(() => new RedisTokenStore({ redis: prefixed })).toThrow(/keyPrefix "app:".*duplicate/);
      const plain = prefixed.duplicate({ keyPrefix: '' });
      onTestFinished(() => {
        plain.disconnect();
      });
      const [a, b] = [
        store({ redis: plain, keyPrefix: 'app:', ...NO_POLLING }),
        store({ keyPrefix: 'app:', ...NO_POLLING }),
      ];
      await a.writeIfNewer(key, recordAt(1));
      expect(await admin.exists(`app:{${key}}:token`)).toBe(1);
      const held = await b.lock(key);
      const waiting = a.lock(key);
      await sleep(50);
      await held.release();
      await (await settlesOrFails(waiting, 'the wake-up was lost under the prefix')).release();
    });
  });
});
