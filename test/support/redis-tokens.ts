import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Console } from 'node:console';
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { UserToken } from '../../src/index.js';
import type { TokenRecord } from '../../src/store/token-store.js';

/** A user token with random strings (store tests need no Twitch: nothing is refreshed). */
export function randomToken(): UserToken {
  return new UserToken({
    accessToken: randomBytes(15).toString('hex'),
    refreshToken: randomBytes(25).toString('hex'),
    expiresIn: 14_124,
    scopes: ['chat:read'],
    tokenType: 'bearer',
    obtainedAt: Date.now(),
  });
}

/** A record of a random token at `generation`. */
export function recordAt(generation: number): TokenRecord {
  return { token: randomToken(), generation };
}

/** Every way a user may print an error: its string, `util.inspect` (deep, hidden too), `console.dir`, JSON, entries. */
export function printedForms(error: unknown): string[] {
  const stream = new PassThrough();
  let dir = '';
  stream.on('data', (chunk: Buffer) => (dir += chunk.toString()));
  new Console({ stdout: stream, stderr: stream }).dir(error, { depth: 10 });
  new Console({ stdout: stream, stderr: stream }).error(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  return [
    String(error),
    (error as Error | null)?.message ?? '',
    (error as Error | null)?.stack ?? '',
    inspect(error, { depth: 10 }),
    inspect(error, { depth: 10, showHidden: true }),
    inspect(cause, { depth: 10, showHidden: true }),
    String(cause),
    dir,
    `${JSON.stringify(error) as string | undefined}`,
    JSON.stringify(Object.entries(error as object)),
    `${JSON.stringify(cause ?? null) as string | undefined}`,
  ];
}

/** Asserts that no printed form of the error holds any of the secrets. */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const forms = printedForms(error);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(4);
    for (const form of forms) expect(form).not.toContain(secret);
  }
}

/** The secrets of a token: both tokens and its JSON. */
export function secretsOf(token: UserToken): string[] {
  return [token.accessToken, token.refreshToken, JSON.stringify(token)];
}
