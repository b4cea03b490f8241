import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore, MemoryTokenStore, TokenStoreError, UserToken } from '../src/index.js';
import { rejectionOf } from './support/fake.js';
import { describeTokenStoreContract } from './support/store-contract.js';

const token = (n: number): UserToken =>
  new UserToken({
    accessToken: `access-${String(n)}`,
    refreshToken: `refresh-${String(n)}`,
    expiresIn: 14_124,
    scopes: ['chat:read'],
    tokenType: 'bearer',
    obtainedAt: 1_795_000_000_000 + n,
  });

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-store-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describeTokenStoreContract('MemoryTokenStore', () => new MemoryTokenStore());

describe('FileTokenStore', () => {
  it('writes the documented format, readable only by its owner', async () => {
    const path = join(folder, 'user_token.json');
    await new FileTokenStore(path).set('default', token(1));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      format: 'twitchapi-oauth/tokens@1',
      tokens: { default: token(1).toJSON() },
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['user_token.json']);
  });

  it("reads the Python original's user_token.json, as an expired token of unknown scopes", async () => {
    const path = join(folder, 'user_token.json');
    writeFileSync(path, JSON.stringify({ token: 'pyaccess', refresh: 'pyrefresh' }));
    const revived = await new FileTokenStore(path).get('default');
    expect(revived).toMatchObject({ accessToken: 'pyaccess', refreshToken: 'pyrefresh', expiresIn: 0, scopes: [] });
    expect(revived?.isExpired()).toBe(true);
  });

  it('names a corrupt or foreign file and says what to do, and can move it aside', async () => {
    const path = join(folder, 'user_token.json');
    const store = new FileTokenStore(path);
    for (const content of ['{"token": "abc', '{"theme":"dark"}', '[]', '']) {
      writeFileSync(path, content);
      const error = await rejectionOf(store.get('default'));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ path });
      expect(String(error)).toContain(path);
      expect(String(error)).toMatch(/move it away or delete it/);
    }
    const aside = await store.moveAside();
    expect(aside).toMatch(/user_token\.json\.unreadable-\d+$/);
    expect(readFileSync(aside ?? '', 'utf8')).toBe('');
    await store.set('default', token(1));
    expect((await store.get('default'))?.accessToken).toBe('access-1');
    expect(await new FileTokenStore(join(folder, 'none.json')).moveAside()).toBeUndefined();
  });

  it('reports a directory that does not exist as a TokenStoreError', async () => {
    const error = await rejectionOf(
      new FileTokenStore(join(folder, 'missing', 'tokens.json')).set('default', token(1)),
    );
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(String(error)).toMatch(/could not be written \(ENOENT\)/);
  });

  it('survives being killed mid-write: the file is always valid JSON holding a written token', async () => {
    const path = join(folder, 'tokens.json');
    const writer = fileURLToPath(new URL('./fixtures/write-tokens-forever.mjs', import.meta.url));
    const kills = 25;
    for (let kill = 0; kill < kills; kill++) {
      const child = spawn(process.execPath, [writer, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) =>
        child.stdout.once('data', () => {
          resolve();
        }),
      );
      // Let it write for a varying while, then kill it without warning.
      await new Promise((resolve) => setTimeout(resolve, 5 + ((kill * 7) % 40)));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const file = JSON.parse(readFileSync(path, 'utf8')) as { tokens: Record<string, { accessToken: string }> };
      expect(file.tokens['default']?.accessToken).toMatch(/^access-\d+$/);
      const revived = await new FileTokenStore(path).get('default');
      expect(revived).toBeInstanceOf(UserToken);
    }
    // Temporary files of killed writers are cleaned up by the next write.
    await new FileTokenStore(path).set('default', token(1));
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  }, 60_000);
});
