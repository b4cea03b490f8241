/**
 * Child process entry: which modules `await import(specifier)` loads, by package. Not timed (the
 * hooks slow loading down); import-time.js measures the time.
 * Usage: `node module-probe.js <specifier>`; prints `{ "modules": n, "packages": { name: count } }`.
 */
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const specifier = process.argv[2];
if (specifier === undefined) throw new Error('usage: node module-probe.js <specifier>');

const { port1, port2 } = new MessageChannel();
/** @type {Set<string>} */
const urls = new Set();
port1.on('message', (/** @type {string} */ url) => urls.add(url));
register('./module-probe-hooks.js', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

await import(specifier);
// The hooks run on another thread: give their last messages time to arrive.
await new Promise((resolve) => setTimeout(resolve, 100));
port1.close();

/** @type {Record<string, number>} */
const packages = {};
for (const url of urls) {
  if (!url.startsWith('file:')) continue;
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  const name = match?.[1] ?? '(own files)';
  packages[name] = (packages[name] ?? 0) + 1;
}
const modules = Object.values(packages).reduce((sum, count) => sum + count, 0);
process.stdout.write(`${JSON.stringify({ modules, packages })}\n`);
