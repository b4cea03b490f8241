import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTwitch } from '../src/testing/index.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-pack-'));
const consumer = join(work, 'consumer');

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}
let packed: PackResult;

// Installs the tarball the way a user does, then uses it from ESM, CommonJS and TypeScript.
describe('the npm tarball, installed into a fresh project', () => {
  beforeAll(async () => {
    // dist/ is fresh from the global setup; skip prepack's second build.
    const { stdout } = await exec(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
    });
    [packed] = JSON.parse(stdout) as [PackResult];
    writeFileSync(join(work, 'package.json'), '{}');
    await exec('mkdir', ['-p', consumer]);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }),
    );
    await exec(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(work, packed.filename)],
      { cwd: consumer },
    );
  }, 180_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('holds only the build, the README and the LICENSE: no tests, sources, maps or secrets', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('dist/testing/index.js');
    expect(paths).toContain('dist/cli/main.js');
    expect(paths).toContain('dist/redis/index.js');
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    const unexpected = paths.filter(
      (path) => !/^dist\/.+\.(js|d\.ts)$/.test(path) && !['package.json', 'README.md', 'LICENSE'].includes(path),
    );
    expect(unexpected).toEqual([]);
    expect(paths.filter((path) => /\.map$|\.env|\.test\.|^src\/|^test\//.test(path))).toEqual([]);
    // A budget, not a log line: a passing run is quiet, and a tarball that doubles is worth a look.
    expect(packed.unpackedSize, `${packed.filename}: ${String(paths.length)} files`).toBeLessThan(1024 * 1024);
  });

  it('holds nothing that looks like a credential (the fake ships only its documented demo secret)', () => {
    const installed = join(consumer, 'node_modules/twitchapi-oauth');
    const credential =
      /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bnpm_[A-Za-z0-9]{36}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bAKIA[0-9A-Z]{16}\b/;
    for (const { path } of packed.files) {
      expect(readFileSync(join(installed, path), 'utf8'), path).not.toMatch(credential);
    }
  });

  it('imports from ESM', async () => {
    const { stdout } = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as oauth from 'twitchapi-oauth'; import * as testing from 'twitchapi-oauth/testing';
         import { RedisTokenStore } from 'twitchapi-oauth/redis';
         console.log(typeof oauth.refreshAccessToken, oauth.AuthScope.BITS_READ, typeof testing.startFakeTwitch, typeof RedisTokenStore);`,
      ],
      { cwd: consumer },
    );
    // twitchapi-oauth/redis loads without ioredis installed: the caller passes their own client.
    expect(stdout.trim()).toBe('function bits:read function function');
    expect(readdirSync(join(consumer, 'node_modules'))).not.toContain('ioredis');
  });

  it('requires from CommonJS (Node >= 20.19 loads ESM with require)', async () => {
    const { stdout } = await exec(
      process.execPath,
      [
        '-e',
        `const oauth = require('twitchapi-oauth'); const testing = require('twitchapi-oauth/testing');
         console.log(typeof oauth.validateToken, typeof oauth.UserToken, typeof testing.startFakeTwitch);`,
      ],
      { cwd: consumer },
    );
    expect(stdout.trim()).toBe('function function function');
  });

  it('works end to end from the installed copy against its own fake Twitch', async () => {
    const { stdout } = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { refreshAccessToken, validateToken } from 'twitchapi-oauth';
         import { startFakeTwitch, DEMO_APP } from 'twitchapi-oauth/testing';
         const fake = await startFakeTwitch();
         const { refreshToken } = fake.issueUserToken({ scopes: ['chat:read'] });
         const [accessToken] = await refreshAccessToken(refreshToken, DEMO_APP.clientId, DEMO_APP.clientSecret, { authBaseUrl: fake.authBaseUrl });
         const info = await validateToken(accessToken, { authBaseUrl: fake.authBaseUrl });
         await fake.close();
         console.log(info.valid, info.scopes.join());`,
      ],
      { cwd: consumer },
    );
    expect(stdout.trim()).toBe('true chat:read');
  });

  it("runs the installed CLI's --help, and validate against the fake Twitch", async () => {
    const bin = join(consumer, 'node_modules/.bin/twitchapi-oauth');
    expect((await exec(bin, ['--help'])).stdout).toContain('Usage: twitchapi-oauth <command>');
    const fake = await startFakeTwitch();
    try {
      const { accessToken } = fake.issueUserToken({ scopes: ['chat:read'] });
      const { stdout } = await exec(bin, ['validate', accessToken, '--json', '--auth-base-url', fake.authBaseUrl]);
      expect(JSON.parse(stdout)).toMatchObject({ login: 'twitchdev', scopes: ['chat:read'] });
      const invalid = await exec(bin, ['validate', 'nope', '--auth-base-url', fake.authBaseUrl]).catch(
        (error: unknown) => error as { code: number },
      );
      expect(invalid).toMatchObject({ code: 1 });
    } finally {
      await fake.close();
    }
  });

  it('passes publint and Are The Types Wrong, node10 resolution included', async () => {
    const publint = join(root, 'node_modules/publint/src/cli.js');
    const lint = await exec(process.execPath, [publint, join(consumer, 'node_modules/twitchapi-oauth'), '--strict']);
    expect(lint.stdout).toContain('All good!');
    const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    // Rejects (non-zero exit) on any problem but the one an ESM-only package has by design: CommonJS
    // `require()` of it is ESM (Node >= 20.19 loads it). node10 must resolve every subpath.
    const types = await exec(process.execPath, [
      attw,
      join(work, packed.filename),
      '--ignore-rules',
      'cjs-resolves-to-esm',
      '--format',
      'ascii',
    ]).catch((error: unknown) => error as { stdout: string });
    expect(types.stdout).toContain('node16 (from ESM)');
    expect(types.stdout).not.toMatch(/Resolution failed|💀|❌/);
    expect('code' in types ? types.code : 0).toBe(0);
  }, 60_000);

  it('maps every subpath of "exports" for TypeScript\'s node10 resolution (typesVersions)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, { types?: string } | string>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    const subpaths = Object.entries(manifest.exports).filter(([path]) => path !== '.' && path !== './package.json');
    expect(subpaths.length).toBeGreaterThanOrEqual(2);
    for (const [path, target] of subpaths) {
      const types = typeof target === 'string' ? undefined : target.types;
      expect(manifest.typesVersions['*']?.[path.slice(2)], path).toEqual([types]);
    }
  });

  it("type-checks a consumer on TypeScript's older moduleResolution node10, subpaths included", async () => {
    writeFileSync(
      join(consumer, 'tsconfig.node10.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          ignoreDeprecations: '6.0',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: ['consumer-node10.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'consumer-node10.ts'),
      `import type { UserToken, TokenValidation } from 'twitchapi-oauth';
import type { FakeTwitch, FakeTwitchOptions } from 'twitchapi-oauth/testing';
import type { RedisTokenStore, RedisTokenStoreOptions } from 'twitchapi-oauth/redis';
export type Used = [UserToken, TokenValidation, FakeTwitch, FakeTwitchOptions, RedisTokenStore, RedisTokenStoreOptions];
`,
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await exec(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.node10.json')]).catch(
      (error: unknown) => error as { stdout: string },
    );
    expect('stdout' in result ? result.stdout : '').toBe('');
  }, 60_000);

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: ['consumer.mts'],
      }),
    );
    writeFileSync(
      join(consumer, 'consumer.mts'),
      `import { AuthScope, refreshAccessToken, validateToken, isTransientError, type UserToken, type TokenValidation } from 'twitchapi-oauth';
import { startFakeTwitch, type FakeTwitch } from 'twitchapi-oauth/testing';
const scopes: AuthScope[] = [AuthScope.CHAT_READ];
const token: UserToken = await refreshAccessToken('r', 'id', 'secret', { timeoutMs: 1000, retry: { limit: 1 } });
const [access, refresh] = token;
const info: TokenValidation = await validateToken(String(access), { authBaseUrl: 'http://localhost:1' });
if (info.valid) { const id: string | null = info.userId; void id; } else { const status: 401 = info.status; void status; }
const fake: FakeTwitch = await startFakeTwitch();
void scopes; void refresh; void fake; void isTransientError(new Error());
// @ts-expect-error: a number is not a refresh token
await refreshAccessToken(42, 'id');
`,
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await exec(process.execPath, [tsc, '-p', consumer]).catch(
      (error: unknown) => error as { stdout: string },
    );
    expect('stdout' in result ? result.stdout : '').toBe('');
    expect(statSync(join(consumer, 'node_modules/twitchapi-oauth/dist/index.d.ts')).isFile()).toBe(true);
    expect(readdirSync(join(consumer, 'node_modules')).sort()).toEqual(
      expect.arrayContaining(['open', 'undici', 'zod']),
    );
  }, 60_000);
});
