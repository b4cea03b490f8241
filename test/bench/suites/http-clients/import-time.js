/**
 * Child process entry: how long `await import(specifier)` takes in a fresh `node` process (the
 * module graph's resolution, loading and evaluation). Nothing else is imported before it.
 * Usage: `node import-time.js <specifier>`; prints `{ "ms": … }` on stdout.
 */
const specifier = process.argv[2];
if (specifier === undefined) throw new Error('usage: node import-time.js <specifier>');
const started = performance.now();
await import(specifier);
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms })}\n`);
