import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTokenStore } from '../src/redis/index.js';
import { redisUnavailableReason, startRedis, type TestRedis } from './support/redis.js';
import { randomToken } from './support/redis-tokens.js';

// The README's RedisTokenStore section as a user meets it: its first example runs verbatim against a
// Redis started here, its client still connecting when the store is first used. (Every README block
// is type-checked by readme-examples.test.ts.)

const reason = redisUnavailableReason();
const skipHere = reason !== undefined && process.env['CI'] !== 'true';
if (skipHere) console.warn(`[redis README] SKIPPED: ${reason} (with CI=true this is a failure, not a skip)`);
const suite = skipHere ? describe.skip : describe;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so that 'twitchapi-oauth' resolves to the build (a package's own name) and
// 'ioredis' to its node_modules.
const DIR = join(ROOT, 'test-artifacts', 'readme-redis');

/** The TypeScript blocks of the README's RedisTokenStore section, in order. */
function readmeBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Many processes, one Twitch account: RedisTokenStore');
  const end = readme.indexOf('\n### ', start + 10);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

suite('the README’s RedisTokenStore section', () => {
  let redis: TestRedis;
  const blocks = readmeBlocks();

  beforeAll(async () => {
    if (reason !== undefined) throw new Error(`[redis README] ${reason}`);
    redis = await startRedis({ persistence: 'none' });
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  });
  afterAll(async () => {
    await redis.destroy();
    rmSync(DIR, { recursive: true, force: true });
  });

  it('has its examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    expect(blocks[0]).toContain("new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379')");
  });

  it('runs the first example verbatim: the store used at once, while its client connects', async () => {
    const encryptionKey = Buffer.alloc(32, 3).toString('base64');
    const stored = randomToken();
    const client = await redis.admin();
    const seeding = new RedisTokenStore({ redis: client, encryptionKey });
    await seeding.writeIfNewer('mybot', { token: stored, generation: 7 });
    await seeding.close();

    const program = ts.transpileModule(blocks[0] ?? '', {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(DIR, 'example.mjs');
    // The example verbatim, then one line that reports what it got.
    writeFileSync(file, `${program}\nprocess.stdout.write(JSON.stringify({ accessToken }) + '\\n');\n`);
    const child = spawn(process.execPath, [file], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redis.url, TOKEN_KEY: encryptionKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) resolve(output.trim());
      });
      child.once('exit', (code) => {
        reject(new Error(`the example exited (${String(code)}) before printing: ${errors}`));
      });
    }).finally(() => {
      // The example keeps its Redis connection open, as a bot does.
      child.kill('SIGKILL');
    });
    expect(JSON.parse(line)).toEqual({ accessToken: stored.accessToken });
  }, 60_000);
});
