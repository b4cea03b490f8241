import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { TokenStoreError, TokenStoreUnavailableError } from '../src/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../src/redis/index.js';
import { ACL_COMMANDS } from '../src/redis/redis-failure.js';
import { rejectionOf } from './support/fake.js';
import {
  makeCertificate,
  redisToolsUnavailableReason,
  redisUnavailableReason,
  startCluster,
  startRedis,
  startSentinelGroup,
  type TestCluster,
  type TestRedis,
  type TestSentinelGroup,
} from './support/redis.js';
import { expectNoSecrets, recordAt, secretsOf } from './support/redis-tokens.js';
import { sendingMark } from './support/store-contract.js';

// The set-ups a user runs RedisTokenStore on, each a real server started here: Redis Cluster,
// Sentinel with a replica, TLS, passwords and ACL users. Every failure of the set-up must be a
// permanent TokenStoreError that says what to fix, never "Redis is not reachable".

const reason = redisUnavailableReason() ?? redisToolsUnavailableReason();
const skipHere = reason !== undefined && process.env['CI'] !== 'true';
if (skipHere) console.warn(`[redis set-ups] SKIPPED: ${reason} (with CI=true this is a failure, not a skip)`);
const suite = skipHere ? describe.skip : describe;

/** Polling effectively off: a lost wake-up would leave a waiter waiting for good. */
const NO_POLLING = { pollIntervalMs: 600_000, waitTimeoutMs: 600_000 };

/** Every step of the contract once: write, read, lock, confirm, release, keys, delete. */
async function everyStep(store: RedisTokenStore, key: string): Promise<void> {
  const written = recordAt(1);
  expect((await store.writeIfNewer(key, written)).written).toBe(true);
  expect((await store.read(key))?.token.accessToken).toBe(written.token.accessToken);
  const lease = await store.lock(key);
  expect(await lease.confirm(1, sendingMark())).toBe(true);
  await lease.release();
  const keys: string[] = [];
  for await (const listed of store.keys()) keys.push(listed);
  expect(keys).toContain(key);
  await store.delete(key);
  expect(await store.read(key)).toBeUndefined();
}

suite('RedisTokenStore set-ups', () => {
  beforeAll(() => {
    if (reason !== undefined) throw new Error(`[redis set-ups] ${reason}`);
  });

  describe('Redis Cluster (3 masters)', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await startCluster();
    }, 60_000);
    afterAll(async () => {
      await cluster.destroy();
    });

    it('accepts an ioredis Cluster; every token’s keys share a slot, so nothing is refused with CROSSSLOT', async () => {
      const client = await cluster.client();
      const store = new RedisTokenStore({ redis: client, lockTtlMs: 3000 });
      onTestFinished(() => store.close());
      const keys = Array.from({ length: 30 }, (_, index) => `user${String(index)}`);
      // The keys land on every master.
      const owners = new Set<number>();
      for (const key of keys) {
        const slot = await client.cluster('KEYSLOT', `twitchapi-oauth:{${key}}:token`);
        const lockSlot = await client.cluster('KEYSLOT', `twitchapi-oauth:{${key}}:lock`);
        expect(lockSlot).toBe(slot);
        const shards = await client.cluster('SLOTS');
        owners.add(shards.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1] ?? 0);
      }
      expect(owners.size).toBe(3);
      await Promise.all(keys.map((key) => everyStep(store, key)));
      await Promise.all(keys.map((key) => store.writeIfNewer(key, recordAt(2))));
      const listed: string[] = [];
      for await (const key of store.keys()) listed.push(key);
      expect(listed.sort()).toEqual([...keys].sort());
    });

    it('wakes a waiter on another client by the release’s message (pub/sub across the cluster)', async () => {
      const [a, b] = await Promise.all([cluster.client(), cluster.client()]);
      const holderStore = new RedisTokenStore({ redis: a, ...NO_POLLING });
      const waiterStore = new RedisTokenStore({ redis: b, ...NO_POLLING });
      onTestFinished(async () => {
        await holderStore.close();
        await waiterStore.close();
      });
      for (const key of ['wake-a', 'wake-b', 'wake-c', 'wake-d']) {
        const held = await holderStore.lock(key);
        let woken = false;
        const waiting = waiterStore.lock(key).then((lease) => {
          woken = true;
          return lease;
        });
        await sleep(100);
        expect(woken).toBe(false);
        await held.release();
        let timer: NodeJS.Timeout | undefined;
        const lease = await Promise.race([
          waiting,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              reject(new Error('the release did not wake the waiter'));
            }, 10_000);
          }),
        ]);
        clearTimeout(timer);
        await lease.release();
      }
    });

    it('works with the documented ACL on every node', async () => {
      for (const port of cluster.ports) {
        const node = new Redis(port, '127.0.0.1');
        await node.call(
          'ACL',
          'SETUSER',
          'tokens',
          'on',
          '>pw',
          'resetkeys',
          'resetchannels',
          '-@all',
          '~twitchapi-oauth:*',
          '&twitchapi-oauth:*',
          ...ACL_COMMANDS.split(' '),
          '+cluster|slots',
          '+cluster|info',
        );
        node.disconnect();
      }
      const client = await cluster.client({ redisOptions: { username: 'tokens', password: 'pw' } });
      const store = new RedisTokenStore({ redis: client });
      onTestFinished(() => store.close());
      await everyStep(store, 'acl-user');
    });
  });

  describe('Sentinel: one master, one replica, replicas acknowledging writes (WAIT)', () => {
    let group: TestSentinelGroup;
    beforeAll(async () => {
      group = await startSentinelGroup();
    }, 60_000);
    afterAll(async () => {
      await group.destroy();
    });

    it('reports a write no replica acknowledged in time as not stored (transient), and stores it once one does', async () => {
      const client = new Redis({ ...group.clientOptions, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      onTestFinished(() => {
        client.disconnect();
      });
      const store = new RedisTokenStore({ redis: client, replicas: { count: 1, timeoutMs: 300 } });
      onTestFinished(() => store.close());
      const first = recordAt(1);
      expect(await store.writeIfNewer('bot', first)).toEqual({ written: true, current: first });
      const replicaAdmin = await group.replica.admin();
      expect(await replicaAdmin.hget('twitchapi-oauth:{bot}:token', 'generation')).toBe('1');

      process.kill(group.replica.pid ?? 0, 'SIGSTOP'); // the replica stops acknowledging
      onTestFinished(() => {
        process.kill(group.replica.pid ?? 0, 'SIGCONT');
      });
      const second = recordAt(2);
      const error = await rejectionOf(store.writeIfNewer('bot', second));
      expect(error).toBeInstanceOf(TokenStoreUnavailableError);
      expect(error).toMatchObject({ transient: true });
      expect(String(error)).toMatch(/0 of the 1 replicas.*not stored/);
      expectNoSecrets(error, secretsOf(second.token));

      process.kill(group.replica.pid ?? 0, 'SIGCONT');
      // Written again by the engine: now acknowledged, and reported stored.
      expect(await store.writeIfNewer('bot', second)).toEqual({ written: true, current: second });
      expect(await replicaAdmin.hget('twitchapi-oauth:{bot}:token', 'generation')).toBe('2');
    });
  });

  describe('passwords, ACL users and TLS', () => {
    let server: TestRedis;
    let admin: Redis;
    const password = 'admin-password-7f3a9c';
    beforeAll(async () => {
      server = await startRedis({ persistence: 'none', args: ['--requirepass', password] });
      admin = await server.admin();
    });
    afterAll(async () => {
      await server.destroy();
    });

    function storeFor(url: string, options: Partial<RedisTokenStoreOptions> = {}): RedisTokenStore {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      const store = new RedisTokenStore({ redis: client, connectTimeoutMs: 5000, ...options });
      onTestFinished(async () => {
        await store.close();
        client.disconnect();
      });
      return store;
    }

    async function aclUser(name: string, rules: readonly string[]): Promise<string> {
      await admin.call('ACL', 'SETUSER', name, 'reset', 'on', '>user-pw', ...rules);
      return `redis://${name}:user-pw@127.0.0.1:${String(server.port)}`;
    }

    it('a wrong password is a permanent TokenStoreError that says so, without the password', async () => {
      const store = storeFor(`redis://:wrong-password-91b2@127.0.0.1:${String(server.port)}`);
      const error = await rejectionOf(store.read('bot'));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ reason: 'config', transient: false });
      expect(String(error)).toMatch(/refused the client's credentials.*WRONGPASS/);
      expectNoSecrets(error, ['wrong-password-91b2', password]);
    });

    it('no password is a permanent TokenStoreError (NOAUTH)', async () => {
      const error = await rejectionOf(storeFor(`redis://127.0.0.1:${String(server.port)}`).read('bot'));
      expect(error).toMatchObject({ reason: 'config', transient: false });
      expect(String(error)).toMatch(/NOAUTH/);
    });

    it('works with the documented ACL, WAIT included', async () => {
      const url = await aclUser('tokens', ['~twitchapi-oauth:*', '&twitchapi-oauth:*', ...ACL_COMMANDS.split(' ')]);
      await everyStep(storeFor(url), 'acl');
      // WAIT is allowed: with no replica it answers 0, which is "not acknowledged", not NOPERM.
      const waiting = storeFor(url, { replicas: { count: 1, timeoutMs: 10 } });
      expect(await rejectionOf(waiting.writeIfNewer('acl', recordAt(1)))).toBeInstanceOf(TokenStoreUnavailableError);
    });

    it('an ACL refusing a command, the keys or the channels is a permanent TokenStoreError naming the rules, without secrets', async () => {
      const full = ['~twitchapi-oauth:*', '&twitchapi-oauth:*', ...ACL_COMMANDS.split(' ')];
      const cases: [string, string[], (store: RedisTokenStore) => Promise<unknown>][] = [
        ['no-eval', [...full, '-eval'], (store) => store.writeIfNewer('bot', recordAt(1))],
        ['no-hset', [...full, '-hset'], (store) => store.writeIfNewer('bot', recordAt(1))],
        [
          'other-keys',
          ['~other:*', '&twitchapi-oauth:*', ...ACL_COMMANDS.split(' ')],
          (store) => store.writeIfNewer('bot', recordAt(1)),
        ],
        [
          'other-channels',
          ['~twitchapi-oauth:*', '&other:*', ...ACL_COMMANDS.split(' ')],
          (store) => store.lock('bot'),
        ],
        ['no-psubscribe', [...full, '-psubscribe'], (store) => store.lock('bot')],
      ];
      for (const [name, rules, step] of cases) {
        const store = storeFor(await aclUser(name, rules));
        const written = recordAt(1);
        const error = await rejectionOf(step(store)).catch((failure: unknown) => {
          throw new Error(`${name}: ${String(failure)}`);
        });
        expect(error, name).toBeInstanceOf(TokenStoreError);
        expect(error, name).toMatchObject({ reason: 'config', transient: false });
        expect(String(error), name).toMatch(/ACL refused the store.*~twitchapi-oauth:\* &twitchapi-oauth:\*/);
        expectNoSecrets(error, secretsOf(written.token));
      }
      // The store reports the token JSON it sent nowhere, though ioredis's error carries it.
      const noEval = storeFor(await aclUser('no-eval-2', [...full, '-eval']));
      const written = recordAt(1);
      expectNoSecrets(await rejectionOf(noEval.writeIfNewer('bot', written)), secretsOf(written.token));
    });

    it('a refused TLS certificate is a permanent TokenStoreError saying to give the CA; with it, all works', async () => {
      const certificate = makeCertificate();
      onTestFinished(() => {
        rmSync(certificate.dir, { recursive: true, force: true });
      });
      const tls = await startRedis({ persistence: 'none', tls: certificate });
      onTestFinished(() => tls.destroy());
      const refused = storeFor(tls.url);
      const error = await rejectionOf(refused.read('bot'));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ reason: 'config', transient: false });
      expect(String(error)).toMatch(/TLS certificate was refused.*DEPTH_ZERO_SELF_SIGNED_CERT.*ca:/);
      const client = new Redis(tls.url, { tls: { ca: readFileSync(certificate.cert) } });
      const store = new RedisTokenStore({ redis: client });
      onTestFinished(async () => {
        await store.close();
        client.disconnect();
      });
      await everyStep(store, 'tls');
    });
  });

  it('a Cluster client given as the option type-checks (no cast), as does a Sentinel-managed Redis', () => {
    const options: RedisTokenStoreOptions[] = [
      { redis: new Cluster([], { lazyConnect: true }) },
      { redis: new Redis({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'x', lazyConnect: true }) },
    ];
    for (const option of options) {
      const store = new RedisTokenStore(option);
      void store.close();
      option.redis.disconnect();
    }
  });
});
