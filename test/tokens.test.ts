import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AccessToken, UserToken } from '../src/index.js';

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
