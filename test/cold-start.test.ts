import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useFakeTwitch } from './support/fake.js';

// What a process's first call loads decides how long a one-shot script waits (npm run bench, suite
// cold-start, has the times). Counted here, in a fresh process on the built package, not timed.

const run = promisify(execFile);
const library = new URL('../dist/index.js', import.meta.url).href;

const FIRST_CALL = `
import { createRequire } from 'node:module';
const { validateToken } = await import(process.argv[1]);
const info = await validateToken(process.argv[2], { authBaseUrl: process.argv[3] });
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/undici/'));
process.stdout.write(JSON.stringify({ valid: info.valid, loaded: loaded.map((path) => path.replace(/.*\\/node_modules\\/undici\\//, '')) }));
`;

describe('the first call', () => {
  const twitch = useFakeTwitch();

  it("loads undici's Agent and fetch, not its whole index (mock agents, caches, WebSocket, …)", async () => {
    const { accessToken } = twitch.fake.issueUserToken();
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', FIRST_CALL, library, accessToken, twitch.fake.authBaseUrl],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const { valid, loaded } = JSON.parse(stdout) as { valid: boolean; loaded: string[] };
    expect(valid).toBe(true);
    expect(loaded).toContain('lib/dispatcher/agent.js');
    expect(loaded).toContain('lib/web/fetch/index.js');
    expect(loaded).not.toContain('index.js');
    expect(loaded.filter((path) => /^lib\/(mock|cache|web\/websocket|web\/eventsource)\//.test(path))).toEqual([]);
    // undici's index brings 110 files; the two modules need about 41.
    expect(loaded.length).toBeLessThan(60);
  });
});
