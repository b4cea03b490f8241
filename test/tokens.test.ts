import { Console } from 'node:console';
import { PassThrough } from 'node:stream';
import { format, inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AccessToken, MAX_EXPIRES_IN_SECONDS, UserToken } from '../src/index.js';

const fields = {
  accessToken: 'access0123456789abcdefghijklmn',
  refreshToken: 'refresh0123456789abcdefghijklmnopqrstuvwxyz01234567',
  expiresIn: 14_124,
  scopes: ['chat:read', 'chat:edit'],
  tokenType: 'bearer',
  obtainedAt: 1_795_000_000_000,
};

describe('UserToken', () => {
  it('destructures as the Python pair and as an object', () => {
    const token = new UserToken(fields);
    const [accessToken, refreshToken] = token;
    expect([accessToken, refreshToken]).toEqual([fields.accessToken, fields.refreshToken]);
    expectTypeOf(accessToken).toEqualTypeOf<string | undefined>();
    const { expiresIn, scopes } = token;
    expect(expiresIn).toBe(14_124);
    expect(scopes).toEqual(['chat:read', 'chat:edit']);
    expect([...token]).toHaveLength(2);
  });

  it('writes its plain fields with JSON.stringify and revives from them', () => {
    const token = new UserToken(fields);
    const json: unknown = JSON.parse(JSON.stringify(token));
    expect(json).toEqual(fields);
    const revived = UserToken.fromJSON(json);
    expect(revived).toBeInstanceOf(UserToken);
    expect(revived.toJSON()).toEqual(fields);
  });

  it('refuses to revive malformed data, naming the field but not its value', () => {
    expect(() => UserToken.fromJSON(null)).toThrow(TypeError);
    expect(() => UserToken.fromJSON([])).toThrow(TypeError);
    expect(() => UserToken.fromJSON({ ...fields, refreshToken: undefined })).toThrow(/"refreshToken"/);
    expect(() => UserToken.fromJSON({ ...fields, scopes: 'chat:read' })).toThrow(/"scopes"/);
    expect(() => UserToken.fromJSON({ ...fields, expiresIn: '14124' })).toThrow(/"expiresIn"/);
    let message = '';
    try {
      UserToken.fromJSON({ ...fields, accessToken: 'secret-access-value', refreshToken: 42 });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/"refreshToken"/);
    expect(message).not.toContain('secret-access-value');
  });

  it('keeps secrets out of console.log and util.inspect', () => {
    const shown = inspect(new UserToken(fields), { depth: 10 });
    expect(shown).toContain('UserToken');
    expect(shown).toContain('[redacted]');
    expect(shown).toContain('chat:read');
    expect(shown).not.toContain(fields.accessToken);
    expect(shown).not.toContain(fields.refreshToken);
  });

  it('keeps secrets out of every generic way of printing or copying an object', () => {
    const token = new UserToken(fields);
    const views: [string, string][] = [
      [
        'console.log',
        printed((console) => {
          console.log(token);
        }),
      ],
      [
        'console.dir',
        printed((console) => {
          console.dir(token, { depth: 10 });
        }),
      ],
      [
        'console.dir showHidden',
        printed((console) => {
          console.dir(token, { showHidden: true, depth: 10 });
        }),
      ],
      [
        'console.table',
        printed((console) => {
          console.table(token);
        }),
      ],
      [
        'console.table of a list',
        printed((console) => {
          console.table([token]);
        }),
      ],
      ['inspect customInspect:false', inspect(token, { customInspect: false, depth: 10 })],
      ['inspect showHidden', inspect(token, { customInspect: false, showHidden: true, depth: 10 })],
      ['format %o %O %j %s', format('%o %O %j %s', token, token, { ...(token as object) }, token)],
      ['Object.entries', JSON.stringify(Object.entries(token))],
      ['Object.values', JSON.stringify(Object.values(token))],
      ['spread', JSON.stringify({ ...(token as object) })],
      ['Object.assign', JSON.stringify(Object.assign({}, token))],
      ['own property names', JSON.stringify(Reflect.ownKeys(token).map(String))],
      ['structuredClone', inspect(structuredClone(token), { customInspect: false })],
    ];
    for (const [route, shown] of views) {
      // Each route shows the token (its non-secret fields), just not its secrets.
      expect(shown, route).toMatch(/expiresIn|14124|14,124/);
      expect(shown, route).not.toContain(fields.accessToken);
      expect(shown, route).not.toContain(fields.refreshToken);
    }
    // The documented ways of reading them still work.
    expect(token.accessToken).toBe(fields.accessToken);
    expect(token.refreshToken).toBe(fields.refreshToken);
    const { accessToken, refreshToken } = token;
    expect([accessToken, refreshToken]).toEqual([fields.accessToken, fields.refreshToken]);
    const [first, second] = token;
    expect([first, second]).toEqual([fields.accessToken, fields.refreshToken]);
    expect(JSON.parse(JSON.stringify(token))).toEqual(fields);
    expect(token.toJSON()).toEqual(fields);
  });

  it('refuses fields without their secrets, e.g. from a spread, instead of making a token with none', () => {
    const token = new UserToken(fields);
    const spread = { ...(token as object) } as typeof fields;
    expect(() => new UserToken({ ...spread, expiresIn: 60 })).toThrow(
      /"accessToken" must be a non-empty string.*toJSON\(\)/,
    );
    expect(() => new UserToken({ ...token.toJSON(), refreshToken: '' })).toThrow(/"refreshToken"/);
    expect(new UserToken({ ...token.toJSON(), expiresIn: 60 }).accessToken).toBe(fields.accessToken);
  });

  it('clamps an absurd lifetime, so that its expiry is always a valid date', () => {
    for (const expiresIn of [1e13, 1e308, Infinity]) {
      const token = new UserToken({ ...fields, expiresIn });
      expect(token.expiresIn).toBe(MAX_EXPIRES_IN_SECONDS);
      expect(() => new Date(token.expiresAt).toISOString()).not.toThrow();
    }
    expect(new UserToken({ ...fields, expiresIn: 0 }).expiresIn).toBe(0);
    expect(new UserToken({ ...fields, expiresIn: -30 }).expiresIn).toBe(0);
  });

  it('revives stored data with a negative or absurd lifetime instead of refusing it', () => {
    expect(UserToken.fromJSON({ ...fields, expiresIn: -1 }).expiresIn).toBe(0);
    expect(UserToken.fromJSON({ ...fields, expiresIn: 1e308 }).expiresIn).toBe(MAX_EXPIRES_IN_SECONDS);
  });

  it('knows when it expires', () => {
    const token = new UserToken(fields);
    expect(token.expiresAt).toBe(fields.obtainedAt + 14_124_000);
    expect(token.isExpired(0, token.expiresAt - 1)).toBe(false);
    expect(token.isExpired(0, token.expiresAt)).toBe(true);
    expect(token.isExpired(300_000, token.expiresAt - 299_999)).toBe(true);
  });

  it('cannot have its scopes changed behind its back', () => {
    const scopes = ['chat:read'];
    const token = new UserToken({ ...fields, scopes });
    scopes.push('chat:edit');
    expect(token.scopes).toEqual(['chat:read']);
    expect(Object.isFrozen(token.scopes)).toBe(true);
  });
});

describe('AccessToken', () => {
  it('is what an app token is: no refresh token, same JSON and redaction', () => {
    const { refreshToken: _, ...appFields } = fields;
    const token = AccessToken.fromJSON(JSON.parse(JSON.stringify(new AccessToken(appFields))));
    expect(token.toJSON()).toEqual(appFields);
    expect(inspect(token)).not.toContain(fields.accessToken);
    expect(new UserToken(fields)).toBeInstanceOf(AccessToken);
  });
});

/** What a Console writing to a buffer prints. */
function printed(print: (console: Console) => void): string {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  print(new Console({ stdout: stream, stderr: stream, colorMode: false }));
  return Buffer.concat(chunks).toString('utf8');
}
