/**
 * Child process entry: which modules the import plus the first validation load, by package (see
 * first-call.js; not timed, the hooks slow loading down).
 * Usage: `node first-call-probe.js <client> <origin> <authBaseUrl> <accessToken>`; prints
 * `{ "modules": n, "packages": { name: count } }`.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
/** @type {Set<string>} */
const urls = new Set();
port1.on('message', (/** @type {string} */ url) => urls.add(url));
register('../http-clients/module-probe-hooks.js', {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});

process.env['COLD_START_PROBE'] = '1';
await import('./first-call.js');
await new Promise((resolve) => setTimeout(resolve, 100));
port1.close();
// CommonJS packages (undici) load their own files with require(), which the hooks do not see.
for (const path of Object.keys(createRequire(import.meta.url).cache)) urls.add(pathToFileURL(path).href);

/** @type {Record<string, number>} */
const packages = {};
for (const url of urls) {
  if (!url.startsWith('file:') || url.includes('/test/bench/')) continue;
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  const name = match?.[1] ?? '(own files)';
  packages[name] = (packages[name] ?? 0) + 1;
}
const modules = Object.values(packages).reduce((sum, count) => sum + count, 0);
process.stdout.write(`${JSON.stringify({ modules, packages })}\n`);
process.exit(0);
