import { z } from 'zod';
import { UserToken } from '../tokens/user-token.js';
import { checkSpendMark } from './spend-mark.js';
import type { SpendMark, TokenRecord } from './token-store.js';

/** Identifies a file written by this library, and the version of its layout. */
export const TOKEN_FILE_FORMAT = 'twitchapi-oauth/tokens@1';

/** The only key a file of the Python original holds. */
export const PYTHON_FILE_KEY = 'default';

/** The key under which this library keeps a Python-layout file's generation, lifetime and scopes. */
export const PYTHON_EXTRA_KEY = 'twitchapi-oauth';

/**
 * One token of the file. `generation` was added to layout 1 without changing its name: a reader
 * that predates it ignores the field (zod drops unknown keys) and still reads the token, so going
 * back to an older version of the library does not throw the login away. Missing means `0`.
 */
/**
 * A record's {@link SpendMark}, added to layout 1 as `generation` was: an older reader drops it.
 * A mark that does not parse is dropped too (the worst outcome is one refresh token spent twice,
 * never a refusal to read the token).
 */
const spendMarkSchema = z
  .discriminatedUnion('state', [
    z.object({ state: z.literal('sending'), by: z.string().max(200), until: z.number().int() }),
    z.object({ state: z.literal('refused'), appId: z.string().max(200).optional() }),
  ])
  .optional()
  .catch(undefined);

const storedTokenSchema = z.object({
  generation: z.number().int().nonnegative().optional(),
  spend: spendMarkSchema,
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  expiresIn: z.number().nonnegative(),
  scopes: z.array(z.string()),
  tokenType: z.string(),
  obtainedAt: z.number(),
});

/**
 * The token file, as documented in the README:
 * `{ "format": "twitchapi-oauth/tokens@1", "tokens": { "<key>": { generation, spend?, accessToken, refreshToken, expiresIn, scopes, tokenType, obtainedAt } } }`.
 */
const tokenFileSchema = z.object({
  format: z.literal(TOKEN_FILE_FORMAT),
  tokens: z.record(z.string(), storedTokenSchema),
});

/** The Python original's `user_token.json`: `{"token": "…", "refresh": "…"}`, and what this library adds. */
const pythonTokenFileSchema = z.object({
  token: z.string().min(1),
  refresh: z.string().min(1),
  [PYTHON_EXTRA_KEY]: z.unknown().optional(),
});

/**
 * What this library keeps next to the two tokens of a Python-layout file, under one extra key:
 * the Python program reads only `token` and `refresh`, and its next write drops the extra key
 * with the tokens it replaces, so the extra fields always describe the tokens beside them.
 */
const pythonExtraSchema = z.object({
  generation: z.number().int().nonnegative(),
  spend: spendMarkSchema,
  expiresIn: z.number().nonnegative(),
  scopes: z.array(z.string()),
  tokenType: z.string(),
  obtainedAt: z.number(),
});

/**
 * Which layout a file has: this library's, or the Python original's (one token, no generation,
 * lifetime or scopes).
 */
export type TokenFileLayout = 'library' | 'python';

/** What a token file holds. */
export interface TokenFileContent {
  readonly layout: TokenFileLayout;
  readonly records: Map<string, TokenRecord>;
}

/** The records of a parsed file, by key; or why the content is not a token file. */
export type TokenFileReading =
  ({ readonly ok: true } & TokenFileContent) | { readonly ok: false; readonly problem: string };

/**
 * Reads a token file's JSON. A file of the Python original becomes the `default` key's token at
 * generation 0, with no known lifetime or scopes, so it is validated and refreshed on first use.
 */
export function readTokenFile(json: unknown): TokenFileReading {
  const parsed = tokenFileSchema.safeParse(json);
  if (parsed.success) {
    const records = new Map<string, TokenRecord>();
    for (const [key, { generation, spend, ...fields }] of Object.entries(parsed.data.tokens)) {
      records.set(key, recordOf(new UserToken(fields), generation ?? 0, checkSpendMark(spend)));
    }
    return { ok: true, layout: 'library', records };
  }
  const python = pythonTokenFileSchema.safeParse(json);
  if (python.success) {
    // Written by the Python program (or its extra fields damaged): generation 0, lifetime unknown.
    const extra = pythonExtraSchema.safeParse(python.data[PYTHON_EXTRA_KEY]);
    const { generation, spend, ...fields } = extra.success
      ? extra.data
      : { generation: 0, spend: undefined, expiresIn: 0, scopes: [], tokenType: 'bearer', obtainedAt: 0 };
    const token = new UserToken({ accessToken: python.data.token, refreshToken: python.data.refresh, ...fields });
    return {
      ok: true,
      layout: 'python',
      records: new Map([[PYTHON_FILE_KEY, recordOf(token, generation, checkSpendMark(spend))]]),
    };
  }
  const [issue] = parsed.error.issues;
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  return { ok: false, problem: `${issue?.message ?? 'not a token file'}${where}` };
}

function recordOf(token: UserToken, generation: number, spend: SpendMark | undefined): TokenRecord {
  return spend === undefined ? { token, generation } : { token, generation, spend };
}

/** The fields a record adds to its token's: its generation, and its spend mark when it has one. */
function lineageOf(record: TokenRecord): { generation: number; spend?: SpendMark } {
  const spend = checkSpendMark(record.spend);
  return spend === undefined ? { generation: record.generation } : { generation: record.generation, spend };
}

/** The file's JSON for the given records, in this library's layout. */
export function writeTokenFile(records: ReadonlyMap<string, TokenRecord>): string {
  const tokens = Object.fromEntries(
    [...records].map(([key, record]) => [key, { ...lineageOf(record), ...record.token.toJSON() }]),
  );
  return `${JSON.stringify({ format: TOKEN_FILE_FORMAT, tokens }, null, 2)}\n`;
}

/**
 * The file's JSON in the Python original's layout, which the Python program reads: its two keys,
 * plus this library's fields under {@link PYTHON_EXTRA_KEY} (which the Python program ignores).
 */
export function writePythonTokenFile(record: TokenRecord): string {
  const { accessToken, refreshToken, ...fields } = record.token.toJSON();
  return JSON.stringify({
    token: accessToken,
    refresh: refreshToken,
    [PYTHON_EXTRA_KEY]: { ...lineageOf(record), ...fields },
  });
}
