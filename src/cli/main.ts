#!/usr/bin/env node
// The `twitchapi-oauth` command: wires the process to runCli().
import { text } from 'node:stream/consumers';
import { runCli } from './run-cli.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => {
    resolve();
  });
  process.once('SIGTERM', () => {
    resolve();
  });
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  readStdin: () => text(process.stdin),
  env: process.env,
  interactive: process.stderr.isTTY,
  interrupted,
});
// Signal listeners must not keep a finished command alive.
process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM');
