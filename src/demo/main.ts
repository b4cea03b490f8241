// `npm run demo`: the offline demo, printed to stdout.
import { runDemo } from './run-demo.js';

try {
  await runDemo((line) => process.stdout.write(`${line}\n`));
} catch (error) {
  process.stderr.write(`The demo failed: ${String(error)}\n`);
  process.exitCode = 1;
}
