import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileTokenStore } from '../store/file-token-store.js';
import { AccessToken } from '../tokens/access-token.js';
import { UserToken } from '../tokens/user-token.js';
import type { CommandInput } from './command.js';
import { text } from './credentials.js';
import { EXIT, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/**
 * Checks `--save FILE` before anything is spent at Twitch (a code, a one-time refresh token): the
 * file must be a readable token file or absent, in a writable directory.
 */
export async function checkSaveTarget(input: CommandInput): Promise<void> {
  const file = text(input.values['save']);
  if (file === undefined) return;
  if (file.trim() === '') throw new UsageError('--save needs a file name, e.g. --save user_token.json.');
  const store = new FileTokenStore(file);
  await store.read('default'); // a corrupt or unreadable file fails now, not after the login
  await checkWritableDirectory(store.path);
}

/**
 * Checks `app-token --save FILE` before Twitch is asked: the file must be absent or an app token
 * this command saved (never a user token file, whose login would be lost), in a writable directory.
 */
export async function checkAppTokenSaveTarget(input: CommandInput): Promise<void> {
  const file = text(input.values['save']);
  if (file === undefined) return;
  if (file.trim() === '') throw new UsageError('--save needs a file name, e.g. --save app_token.json.');
  const path = resolve(file);
  let content: string | undefined;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new UsageError(`--save ${path} is a directory: give a file name.`);
    if (code !== 'ENOENT') throw new UsageError(`--save cannot read ${path} (${code ?? String(error)}).`);
  }
  if (content !== undefined && !isAppTokenFile(content)) {
    throw new UsageError(
      `--save ${path} holds something other than an app token (a user token file?), which would be lost: ` +
        'choose another file.',
    );
  }
  await checkWritableDirectory(path);
}

async function checkWritableDirectory(path: string): Promise<void> {
  try {
    await access(dirname(path), constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `--save cannot write into ${dirname(path)} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
  }
}

/** An app token as `app-token --save` writes it: `AccessToken.toJSON()`, with no refresh token. */
function isAppTokenFile(content: string): boolean {
  try {
    const json: unknown = JSON.parse(content);
    AccessToken.fromJSON(json);
    return typeof json === 'object' && json !== null && !('refreshToken' in json) && !('format' in json);
  } catch {
    return false;
  }
}

/**
 * Hands an app token to the user: with `--save FILE`, written there as JSON (mode 0600, replaced
 * atomically; `AccessToken.fromJSON` reads it back), nothing on stdout unless `--json`; else printed.
 */
export async function deliverAppToken(token: AccessToken, input: CommandInput, io: CliIo): Promise<number> {
  const file = text(input.values['save']);
  const json = input.values['json'] === true;
  if (file === undefined) {
    printToken(token, json, io);
    return EXIT.ok;
  }
  const path = resolve(file);
  const temporary = `${path}.${String(process.pid)}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(token, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    printToken(token, json, io);
    io.stderr(
      `--save could not write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        'the token is printed above instead.\n',
    );
    return EXIT.usage;
  }
  io.stderr(`Saved the app token to ${path} (readable by you only).\n`);
  if (json) io.stdout(`${JSON.stringify(token)}\n`);
  return EXIT.ok;
}

/**
 * Hands a token to the user and resolves with the exit code: written to `--save FILE` under the key
 * `default` (nothing on stdout then, unless `--json`), as JSON with `--json`, else as aligned lines.
 * Tokens go to stdout only. If the file cannot be written after all, the token is printed instead:
 * Twitch may have spent the old one.
 */
export async function deliverToken(token: AccessToken, input: CommandInput, io: CliIo): Promise<number> {
  const file = text(input.values['save']);
  const json = input.values['json'] === true;
  if (file !== undefined) {
    if (!(token instanceof UserToken)) throw new UsageError('--save keeps user tokens (with a refresh token) only.');
    const store = new FileTokenStore(file);
    try {
      // A new token outranks what the file holds: one generation above it.
      const stored = await store.read('default');
      const outcome = await store.writeIfNewer('default', { token, generation: (stored?.generation ?? 0) + 1 });
      if (!outcome.written) throw new Error(`Another program wrote a newer token to ${store.path} meanwhile.`);
    } catch (error) {
      printToken(token, json, io);
      io.stderr(
        `${error instanceof Error ? error.message : String(error)}\nThe token is printed above instead: store it now, ` +
          'it may be the only copy (a refresh token can be spent already).\n',
      );
      return EXIT.usage;
    }
    io.stderr(`Saved the token to ${store.path} under the key "default" (readable by you only).\n`);
    if (json) io.stdout(`${JSON.stringify(token)}\n`);
    return EXIT.ok;
  }
  printToken(token, json, io);
  return EXIT.ok;
}

function printToken(token: AccessToken, json: boolean, io: CliIo): void {
  if (json) {
    io.stdout(`${JSON.stringify(token)}\n`);
    return;
  }
  const rows: [string, string][] = [['access token', token.accessToken]];
  if (token instanceof UserToken) rows.push(['refresh token', token.refreshToken]);
  rows.push(
    ['expires in', `${String(token.expiresIn)} s (${new Date(token.expiresAt).toISOString()})`],
    ['scopes', token.scopes.join(' ') || '(none)'],
  );
  io.stdout(table(rows));
}

/** Prints a record: JSON with `--json`, else aligned lines. */
export function deliverRecord(record: Readonly<Record<string, unknown>>, input: CommandInput, io: CliIo): void {
  if (input.values['json'] === true) {
    io.stdout(`${JSON.stringify(record)}\n`);
    return;
  }
  io.stdout(table(Object.entries(record).map(([name, value]) => [name, formatValue(value)])));
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(String).join(' ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join('');
}
