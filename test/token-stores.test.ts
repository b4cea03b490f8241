import { describe, expect, it } from 'vitest';
import { MemoryTokenStore, UserToken, type TokenStore } from '../src/index.js';
import { rejectionOf } from './support/fake.js';

const token = (n: number): UserToken =>
  new UserToken({
    accessToken: `access-${String(n)}`,
    refreshToken: `refresh-${String(n)}`,
    expiresIn: 14_124,
    scopes: ['chat:read'],
    tokenType: 'bearer',
    obtainedAt: 1_795_000_000_000 + n,
  });

// FileTokenStore's tests are in file-token-store.test.ts.
const stores: [string, () => TokenStore][] = [['MemoryTokenStore', () => new MemoryTokenStore()]];

for (const [name, create] of stores) {
  describe(`${name}: the TokenStore contract`, () => {
    it('gets what was set, per key, and undefined for an unknown key', async () => {
      const store = create();
      expect(await store.get('default')).toBeUndefined();
      await store.set('default', token(1));
      await store.set('other', token(2));
      expect((await store.get('default'))?.toJSON()).toEqual(token(1).toJSON());
      expect((await store.get('other'))?.accessToken).toBe('access-2');
    });

    it('runs concurrent updates of a key one after the other, each seeing the previous result', async () => {
      const store = create();
      await store.set('default', token(0));
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.update('default', async (current) => {
            seen.push(current?.accessToken ?? 'none');
            await new Promise((resolve) => setTimeout(resolve, 1));
            return token(index + 1);
          }),
        ),
      );
      expect(seen).toEqual(['access-0', ...Array.from({ length: 19 }, (_, index) => `access-${String(index + 1)}`)]);
      expect((await store.get('default'))?.accessToken).toBe('access-20');
    });

    it('stores nothing when the replacement throws, and goes on with later updates', async () => {
      const store = create();
      await store.set('default', token(1));
      const failure = new Error('refresh failed');
      expect(await rejectionOf(store.update('default', () => Promise.reject(failure)))).toBe(failure);
      expect((await store.get('default'))?.accessToken).toBe('access-1');
      await store.update('default', () => Promise.resolve(token(2)));
      expect((await store.get('default'))?.accessToken).toBe('access-2');
    });
  });
}
