import { FileTokenStore } from '../store/file-token-store.js';
import type { AccessToken } from '../tokens/access-token.js';
import { UserToken } from '../tokens/user-token.js';
import type { CommandInput } from './command.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import { text } from './credentials.js';

/**
 * Hands a token to the user: written to `--save FILE` (nothing on stdout then, unless `--json`),
 * as JSON with `--json`, else as aligned lines. Tokens go to stdout only.
 */
export async function deliverToken(token: AccessToken, input: CommandInput, io: CliIo): Promise<void> {
  const file = text(input.values['save']);
  if (file !== undefined) {
    if (!(token instanceof UserToken)) throw new UsageError('--save keeps user tokens (with a refresh token) only.');
    const store = new FileTokenStore(file);
    await store.set('default', token);
    io.stderr(`Saved the token to ${store.path} (readable by you only).\n`);
    if (input.values['json'] === true) io.stdout(`${JSON.stringify(token)}\n`);
    return;
  }
  if (input.values['json'] === true) {
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
