import { afterEach, describe, expect, it } from 'vitest';
import type { SendingMark, TokenLease, TokenRecord, TokenStore } from '../../src/store/token-store.js';
import { UserToken } from '../../src/tokens/user-token.js';

/** How {@link describeTokenStoreContract} runs against one implementation. */
export interface StoreContractOptions {
  /** Ends a store after each test (connections, subscriptions). Called for every store and peer created. */
  readonly close?: (store: TokenStore) => Promise<void> | void;
  /**
   * Another instance on the same data, as another process would open it. When given, locks and
   * writes are also checked across the two instances.
   */
  readonly createPeer?: (store: TokenStore) => TokenStore | Promise<TokenStore>;
  /**
   * Makes a held lease lapse, as when its holder stalls past the lock's lifetime (e.g. waits the
   * lifetime out, or deletes the lock entry). Stores whose locks can lapse pass it; the lapse tests
   * are registered only then (a memory store's locks cannot lapse).
   */
  readonly lapse?: (store: TokenStore, key: string, lease: TokenLease) => Promise<void>;
}

/** A `sending` mark by `by`, due a minute from now. */
export function sendingMark(by = 'test'): SendingMark {
  return { state: 'sending', by, until: Date.now() + 60_000 };
}

/** A distinct, valid user token per `n`. */
export function contractToken(n: number): UserToken {
  return new UserToken({
    accessToken: `access-${String(n)}`,
    refreshToken: `refresh-${String(n)}`,
    expiresIn: 14_124,
    scopes: ['chat:read'],
    tokenType: 'bearer',
    obtainedAt: 1_795_000_000_000 + n,
  });
}

/** A record of `contractToken(n)` at `generation`. */
export function contractRecord(n: number, generation: number): TokenRecord {
  return { token: contractToken(n), generation };
}

const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to `'pending'` if the promise has not settled after a few turns of the event loop. */
async function stateOf(promise: Promise<unknown>, waitMs = 20): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    tick(waitMs).then(() => 'pending' as const),
  ]);
}

function expectRecord(actual: TokenRecord | undefined, n: number, generation: number): void {
  expect(actual?.generation).toBe(generation);
  expect(actual?.token).toBeInstanceOf(UserToken);
  expect(actual?.token.toJSON()).toEqual(contractToken(n).toJSON());
}

/**
 * Registers vitest tests of the {@link TokenStore} contract (generation-checked writes, the refresh
 * lock and its confirm-before-spend step, keys and delete) for one implementation. Every store
 * shipped runs it; run it against your own store too.
 *
 * @param name - Shown in the test names.
 * @param createStore - A new, empty store per test.
 */
export function describeTokenStoreContract(
  name: string,
  createStore: () => TokenStore | Promise<TokenStore>,
  options: StoreContractOptions = {},
): void {
  describe(`${name}: the TokenStore contract`, () => {
    const opened: TokenStore[] = [];
    const open = async (): Promise<TokenStore> => {
      const store = await createStore();
      opened.push(store);
      return store;
    };
    const peerOf = async (store: TokenStore): Promise<TokenStore> => {
      if (options.createPeer === undefined) return store;
      const peer = await options.createPeer(store);
      opened.push(peer);
      return peer;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await options.close?.(store);
    });

    describe('read and writeIfNewer', () => {
      it('reads undefined for a key never written, and the record written, per key', async () => {
        const store = await open();
        expect(await store.read('alpha')).toBeUndefined();
        const outcome = await store.writeIfNewer('alpha', contractRecord(1, 1));
        expect(outcome.written).toBe(true);
        expectRecord(outcome.current, 1, 1);
        await store.writeIfNewer('beta', contractRecord(2, 7));
        expectRecord(await store.read('alpha'), 1, 1);
        expectRecord(await store.read('beta'), 2, 7);
        expectRecord(await (await peerOf(store)).read('alpha'), 1, 1);
      });

      it('accepts generation 0 over nothing, and any higher generation over a stored one', async () => {
        const store = await open();
        expect((await store.writeIfNewer('alpha', contractRecord(1, 0))).written).toBe(true);
        expect((await store.writeIfNewer('alpha', contractRecord(2, 1))).written).toBe(true);
        expect((await store.writeIfNewer('alpha', contractRecord(3, 10))).written).toBe(true);
        expectRecord(await store.read('alpha'), 3, 10);
      });

      it('refuses an older generation and returns the newer stored record, unchanged', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(5, 5));
        const outcome = await (await peerOf(store)).writeIfNewer('alpha', contractRecord(4, 4));
        expect(outcome.written).toBe(false);
        expectRecord(outcome.current, 5, 5);
        expectRecord(await store.read('alpha'), 5, 5);
      });

      it('refuses an equal generation: the first writer of a generation keeps it', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 3));
        const outcome = await (await peerOf(store)).writeIfNewer('alpha', contractRecord(2, 3));
        expect(outcome.written).toBe(false);
        expectRecord(outcome.current, 1, 3);
        expectRecord(await store.read('alpha'), 1, 3);
      });

      it('restores a newer generation over a store that lost data (came back older)', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(5, 5));
        // Data loss: the store comes back holding an older record (a restart from an old snapshot).
        await store.delete('alpha');
        await store.writeIfNewer('alpha', contractRecord(3, 3));
        const outcome = await store.writeIfNewer('alpha', contractRecord(5, 5));
        expect(outcome.written).toBe(true);
        expectRecord(await store.read('alpha'), 5, 5);
      });

      it('keeps the highest generation when many writers race, and every refusal names a record at least as new', async () => {
        const store = await open();
        const peer = await peerOf(store);
        const generations = [4, 9, 1, 7, 9, 3, 12, 2, 11, 6];
        const outcomes = await Promise.all(
          generations.map((generation, index) =>
            (index % 2 === 0 ? store : peer).writeIfNewer('alpha', contractRecord(100 + index, generation)),
          ),
        );
        outcomes.forEach((outcome, index) => {
          const generation = generations[index] ?? -1;
          if (outcome.written) expect(outcome.current.generation).toBe(generation);
          else expect(outcome.current.generation).toBeGreaterThanOrEqual(generation);
        });
        expect((await store.read('alpha'))?.generation).toBe(12);
        expect((await peer.read('alpha'))?.generation).toBe(12);
      });

      it('writes without the lock: a write is checked by generation, not by who holds the lock', async () => {
        const store = await open();
        const lease = await store.lock('alpha');
        expect((await (await peerOf(store)).writeIfNewer('alpha', contractRecord(1, 1))).written).toBe(true);
        await lease.release();
        expectRecord(await store.read('alpha'), 1, 1);
      });
    });

    describe('lock and lease', () => {
      it('serialises concurrent lockers of a key (one holder at a time), and every locker gets its turn', async () => {
        const store = await open();
        const peer = await peerOf(store);
        let holders = 0;
        let most = 0;
        const turns: number[] = [];
        await Promise.all(
          Array.from({ length: 10 }, async (_, index) => {
            const lease = await (index % 2 === 0 ? store : peer).lock('alpha');
            holders += 1;
            most = Math.max(most, holders);
            await tick(2);
            turns.push(index);
            holders -= 1;
            await lease.release();
          }),
        );
        expect(most).toBe(1);
        expect(turns.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, index) => index));
      });

      it('locks keys independently', async () => {
        const store = await open();
        const alpha = await store.lock('alpha');
        const beta = await (await peerOf(store)).lock('beta');
        await beta.release();
        await alpha.release();
      });

      it('confirm: true for the holder at the stored generation (undefined when nothing is stored), false otherwise', async () => {
        const store = await open();
        const lease = await store.lock('alpha');
        expect(await lease.confirm(undefined, sendingMark())).toBe(true);
        expect(await lease.confirm(0, sendingMark())).toBe(false);
        await store.writeIfNewer('alpha', contractRecord(1, 4));
        expect(await lease.confirm(4, sendingMark())).toBe(true);
        expect(await lease.confirm(3, sendingMark())).toBe(false);
        expect(await lease.confirm(5, sendingMark())).toBe(false);
        expect(await lease.confirm(undefined, sendingMark())).toBe(false);
        await lease.release();
      });

      it('confirm: false once the lease is released, and false for a former holder while another holds the lock', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 1));
        const first = await store.lock('alpha');
        await first.release();
        expect(await first.confirm(1, sendingMark())).toBe(false);
        const second = await (await peerOf(store)).lock('alpha');
        expect(await first.confirm(1, sendingMark())).toBe(false);
        expect(await second.confirm(1, sendingMark())).toBe(true);
        await second.release();
      });

      it('release never rejects (twice, or after another took the lock) and never frees another holder’s lock', async () => {
        const store = await open();
        const first = await store.lock('alpha');
        await expect(first.release()).resolves.toBeUndefined();
        await expect(first.release()).resolves.toBeUndefined();
        const second = await store.lock('alpha');
        await expect(first.release()).resolves.toBeUndefined();
        const third = store.lock('alpha');
        expect(await stateOf(third)).toBe('pending'); // the second still holds it
        expect(await second.confirm(undefined, sendingMark())).toBe(true);
        await second.release();
        await (await third).release();
      });

      it('release wakes a waiter, which then holds the lock', async () => {
        const store = await open();
        const first = await store.lock('alpha');
        const waiting = (await peerOf(store)).lock('alpha');
        expect(await stateOf(waiting)).toBe('pending');
        await first.release();
        const second = await waiting;
        expect(await second.confirm(undefined, sendingMark())).toBe(true);
        await second.release();
      });

      it('rejects at once with the reason of a signal already aborted, and takes no lock', async () => {
        const store = await open();
        const reason = new Error('gave up');
        await expect(store.lock('alpha', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        const lease = await store.lock('alpha');
        await lease.release();
      });

      it('gives up waiting when the signal aborts, and the lock goes on to the next waiter', async () => {
        const store = await open();
        const holder = await store.lock('alpha');
        const controller = new AbortController();
        const reason = new Error('stopping');
        const abandoned = store.lock('alpha', { signal: controller.signal });
        const next = store.lock('alpha');
        expect(await stateOf(abandoned)).toBe('pending');
        controller.abort(reason);
        await expect(abandoned).rejects.toBe(reason);
        await holder.release();
        const lease = await next;
        expect(await lease.confirm(undefined, sendingMark())).toBe(true);
        await lease.release();
      });
    });

    describe('spend marks (what the record says of its refresh token)', () => {
      const byA = sendingMark('spender-a');

      it('confirm marks the stored record with the given mark; another process reads it', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 3));
        expect((await store.read('alpha'))?.spend).toBeUndefined();
        const lease = await store.lock('alpha');
        expect(await lease.confirm(3, byA)).toBe(true);
        const seen = await (await peerOf(store)).read('alpha');
        expectRecord(seen, 1, 3);
        expect(seen?.spend).toEqual(byA);
        await lease.release();
        expect((await store.read('alpha'))?.spend).toEqual(byA); // outlives the lock
      });

      it('a confirm that fails marks nothing', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 3));
        const lease = await store.lock('alpha');
        expect(await lease.confirm(2, byA)).toBe(false);
        await lease.release();
        expect(await lease.confirm(3, byA)).toBe(false); // released
        expect((await store.read('alpha'))?.spend).toBeUndefined();
      });

      it('a newer record starts without a mark; a write that is refused leaves the mark as it is', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 3));
        const lease = await store.lock('alpha');
        expect(await lease.confirm(3, byA)).toBe(true);
        const late = await (await peerOf(store)).writeIfNewer('alpha', contractRecord(9, 3));
        expect(late.written).toBe(false);
        expect(late.current.spend).toEqual(byA);
        const outcome = await store.writeIfNewer('alpha', contractRecord(2, 4));
        expect(outcome.written).toBe(true);
        const stored = await (await peerOf(store)).read('alpha');
        expectRecord(stored, 2, 4);
        expect(stored?.spend).toBeUndefined();
        await lease.release();
      });

      it('writeIfNewer stores the mark a record carries (a restored record is marked as possibly being sent)', async () => {
        const store = await open();
        const restored = sendingMark('restored:x');
        await store.writeIfNewer('alpha', { ...contractRecord(1, 5), spend: restored });
        const stored = await (await peerOf(store)).read('alpha');
        expectRecord(stored, 1, 5);
        expect(stored?.spend).toEqual(restored);
        await store.writeIfNewer('beta', { ...contractRecord(2, 1), spend: { state: 'refused', appId: 'test-app' } });
        expect((await store.read('beta'))?.spend).toEqual({ state: 'refused', appId: 'test-app' });
      });

      it('writeIfNewer refuses a mark that is not one (TypeError), and stores nothing', async () => {
        const store = await open();
        const bad = [
          { state: 'bogus' },
          { state: 'sending', by: 'x' },
          { state: 'sending', by: 'x'.repeat(201), until: 1 },
        ];
        for (const spend of bad) {
          const record = { ...contractRecord(1, 1), spend } as unknown as TokenRecord;
          await expect(store.writeIfNewer('alpha', record)).rejects.toBeInstanceOf(TypeError);
        }
        expect(await store.read('alpha')).toBeUndefined();
      });

      it('markRefused marks the record at that generation only, held or not, and never rejects', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 3));
        const lease = await store.lock('alpha');
        expect(await lease.confirm(3, byA)).toBe(true);
        await lease.release();
        await expect(lease.markRefused(2, 'test-app')).resolves.toBeUndefined(); // another generation: nothing
        expect((await store.read('alpha'))?.spend).toEqual(byA);
        await lease.markRefused(3, 'test-app'); // after release too: a refusal is a fact about the token
        const refused = await (await peerOf(store)).read('alpha');
        expectRecord(refused, 1, 3);
        expect(refused?.spend).toEqual({ state: 'refused', appId: 'test-app' });
        // A new login (a newer generation) clears it.
        await store.writeIfNewer('alpha', contractRecord(2, 4));
        expect((await store.read('alpha'))?.spend).toBeUndefined();
        const empty = await store.lock('gone');
        await expect(empty.markRefused(1, 'test-app')).resolves.toBeUndefined(); // nothing stored: nothing to mark
        expect(await store.read('gone')).toBeUndefined();
        await empty.release();
      });
    });

    if (options.lapse !== undefined) {
      const lapse = options.lapse;
      describe('a lease that lapsed', () => {
        it('confirms false, lets another take the lock, and its release leaves the new holder alone', async () => {
          const store = await open();
          await store.writeIfNewer('alpha', contractRecord(1, 1));
          const stalled = await store.lock('alpha');
          await lapse(store, 'alpha', stalled);
          const peer = await peerOf(store);
          const next = await peer.lock('alpha');
          expect(await stalled.confirm(1, sendingMark())).toBe(false);
          await expect(stalled.release()).resolves.toBeUndefined();
          expect(await next.confirm(1, sendingMark())).toBe(true);
          const third = peer.lock('alpha');
          expect(await stateOf(third)).toBe('pending');
          await next.release();
          await (await third).release();
        });

        it('cannot roll a newer generation back: the stalled holder’s write of the same generation is refused', async () => {
          const store = await open();
          await store.writeIfNewer('alpha', contractRecord(1, 1));
          const stalled = await store.lock('alpha');
          expect(await stalled.confirm(1, sendingMark())).toBe(true);
          await lapse(store, 'alpha', stalled);
          const peer = await peerOf(store);
          const next = await peer.lock('alpha');
          expect(await next.confirm(1, sendingMark())).toBe(true);
          expect((await peer.writeIfNewer('alpha', contractRecord(3, 2))).written).toBe(true);
          await next.release();
          const late = await store.writeIfNewer('alpha', contractRecord(2, 2));
          expect(late.written).toBe(false);
          expectRecord(late.current, 3, 2);
          await stalled.release();
        });
      });
    }

    describe('keys and delete', () => {
      it('lists the keys that hold a record', async () => {
        const store = await open();
        const none: string[] = [];
        for await (const key of store.keys()) none.push(key);
        expect(none).toEqual([]);
        await store.writeIfNewer('alpha', contractRecord(1, 1));
        await store.writeIfNewer('beta', contractRecord(2, 1));
        await store.writeIfNewer('user:1234', contractRecord(3, 0));
        const keys: string[] = [];
        for await (const key of (await peerOf(store)).keys()) keys.push(key);
        expect(keys.sort()).toEqual(['alpha', 'beta', 'user:1234']);
      });

      it('deletes a record (and nothing else); deleting a missing key does nothing', async () => {
        const store = await open();
        await store.writeIfNewer('alpha', contractRecord(1, 1));
        await store.writeIfNewer('beta', contractRecord(2, 1));
        await store.delete('alpha');
        await store.delete('missing');
        expect(await store.read('alpha')).toBeUndefined();
        expectRecord(await (await peerOf(store)).read('beta'), 2, 1);
        const keys: string[] = [];
        for await (const key of store.keys()) keys.push(key);
        expect(keys).toEqual(['beta']);
        // A deleted key starts over: any generation is accepted.
        expect((await store.writeIfNewer('alpha', contractRecord(3, 0))).written).toBe(true);
      });
    });
  });
}
