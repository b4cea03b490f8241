import { z } from 'zod';
import { UserToken } from '../tokens/user-token.js';

/** Identifies a file written by this library, and the version of its layout. */
export const TOKEN_FILE_FORMAT = 'twitchapi-oauth/tokens@1';

const storedTokenSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  expiresIn: z.number().nonnegative(),
  scopes: z.array(z.string()),
  tokenType: z.string(),
  obtainedAt: z.number(),
});

/**
 * The token file, as documented in the README:
 * `{ "format": "twitchapi-oauth/tokens@1", "tokens": { "<key>": { accessToken, refreshToken, expiresIn, scopes, tokenType, obtainedAt } } }`.
 */
const tokenFileSchema = z.object({
  format: z.literal(TOKEN_FILE_FORMAT),
  tokens: z.record(z.string(), storedTokenSchema),
});

/** The Python original's `user_token.json`: `{"token": "…", "refresh": "…"}`. */
const pythonTokenFileSchema = z.object({ token: z.string().min(1), refresh: z.string().min(1) });

/** The tokens of a parsed file, by key; or why the content is not a token file. */
export type TokenFileReading =
  { readonly ok: true; readonly tokens: Map<string, UserToken> } | { readonly ok: false; readonly problem: string };

/**
 * Reads a token file's JSON. A file of the Python original becomes the `default` key's token,
 * with no known lifetime or scopes, so it is validated and refreshed on first use.
 */
export function readTokenFile(json: unknown): TokenFileReading {
  const parsed = tokenFileSchema.safeParse(json);
  if (parsed.success) {
    return {
      ok: true,
      tokens: new Map(Object.entries(parsed.data.tokens).map(([key, fields]) => [key, new UserToken(fields)])),
    };
  }
  const python = pythonTokenFileSchema.safeParse(json);
  if (python.success) {
    const token = new UserToken({
      accessToken: python.data.token,
      refreshToken: python.data.refresh,
      expiresIn: 0,
      scopes: [],
      tokenType: 'bearer',
      obtainedAt: 0,
    });
    return { ok: true, tokens: new Map([['default', token]]) };
  }
  const [issue] = parsed.error.issues;
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  return { ok: false, problem: `${issue?.message ?? 'not a token file'}${where}` };
}

/** The file's JSON for the given tokens. */
export function writeTokenFile(tokens: ReadonlyMap<string, UserToken>): string {
  return `${JSON.stringify({ format: TOKEN_FILE_FORMAT, tokens: Object.fromEntries(tokens) }, null, 2)}\n`;
}
