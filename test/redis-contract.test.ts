import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisTokenStore } from '../src/redis/index.js';
import type { TokenStore } from '../src/store/token-store.js';
import { describeTokenStoreContract } from './support/store-contract.js';
import {
  redisToolsUnavailableReason,
  redisUnavailableReason,
  startCluster,
  startRedis,
  type TestCluster,
  type TestRedis,
} from './support/redis.js';

// The store contract every TokenStore runs (test/support/store-contract.ts), against
// RedisTokenStore on a standalone redis-server and on a 3-master Redis Cluster. Each store gets a
// prefix of its own (an empty store per test); its peer is another store, on another connection,
// on the same prefix, as another process would open it. A lapse deletes the lock, as its expiry would.

const reason = redisUnavailableReason() ?? redisToolsUnavailableReason();
const skipHere = reason !== undefined && process.env['CI'] !== 'true';
if (skipHere) console.warn(`[redis contract] SKIPPED: ${reason} (with CI=true this is a failure, not a skip)`);
const suite = skipHere ? describe.skip : describe;

suite('RedisTokenStore and the store contract', () => {
  let server: TestRedis;
  let cluster: TestCluster;
  const clients: (Redis | Cluster)[] = [];
  const prefixes = new WeakMap<TokenStore, string>();
  const opened = new Map<TokenStore, RedisTokenStore>();
  let serial = 0;

  beforeAll(async () => {
    if (reason !== undefined) throw new Error(`[redis contract] ${reason}`);
    [server, cluster] = await Promise.all([startRedis({ persistence: 'none' }), startCluster()]);
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all([server.destroy(), cluster.destroy()]);
  });

  function connect(kind: 'standalone' | 'cluster'): Redis | Cluster {
    const client = kind === 'standalone' ? new Redis(server.url) : new Cluster([...cluster.nodes]);
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  }

  for (const kind of ['standalone', 'cluster'] as const) {
    const open = (prefix: string): RedisTokenStore => {
      // Short lock and poll times keep the lapse and wake-up tests quick.
      const store = new RedisTokenStore({
        redis: connect(kind),
        keyPrefix: prefix,
        lockTtlMs: 2000,
        pollIntervalMs: 50,
      });
      prefixes.set(store, prefix);
      opened.set(store, store);
      return store;
    };
    describeTokenStoreContract(`RedisTokenStore (${kind})`, () => open(`contract${String(serial++)}:`), {
      close: async (store) => {
        await opened.get(store)?.close();
        opened.delete(store);
      },
      createPeer: (store) => open(prefixes.get(store) ?? ''),
      lapse: async (store, key) => {
        const admin = connect(kind);
        await admin.del(`${prefixes.get(store) ?? ''}{${key}}:lock`);
      },
    });
  }
});
