import { describe, expect, it } from 'vitest';
import { backoffDelayMs, requestedWaitMs } from '../src/http/backoff.js';
import { contentCodingOf, encodeForm } from '../src/http/client.js';
import { redactorFor } from '../src/http/redact.js';
import { parseBody } from '../src/http/parse-body.js';
import { normalizeBaseUrl, resolveHttpSettings } from '../src/http/settings.js';

const headers = (values: Record<string, string>): { get(name: string): string | null } => ({
  get: (name) => values[name] ?? null,
});

describe('backoffDelayMs', () => {
  it('doubles from the base delay, capped, with full jitter', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelayMs(retry, 250, 10_000, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelayMs(20, 250, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelayMs(3, 250, 10_000, () => 0)).toBe(0);
    expect(backoffDelayMs(3, 250, 10_000, () => 0.5)).toBe(500);
  });
});

describe('requestedWaitMs', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(requestedWaitMs(headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(requestedWaitMs(headers({ 'retry-after': 'Tue, 24 Nov 2026 12:00:05 GMT' }), now)).toBe(5000);
    expect(requestedWaitMs(headers({ 'retry-after': 'Tue, 24 Nov 2026 11:00:00 GMT' }), now)).toBe(0);
  });

  it('reads Ratelimit-Reset as Twitch sends it (an epoch second) or as seconds from now', () => {
    expect(requestedWaitMs(headers({ 'ratelimit-reset': String(now / 1000 + 7) }), now)).toBe(7000);
    expect(requestedWaitMs(headers({ 'ratelimit-reset': '2' }), now)).toBe(2000);
  });

  it('ignores absent and unusable values', () => {
    expect(requestedWaitMs(headers({}), now)).toBeUndefined();
    expect(requestedWaitMs(headers({ 'retry-after': 'soon', 'ratelimit-reset': '-1' }), now)).toBeUndefined();
  });
});

describe('parseBody', () => {
  it('classifies bodies instead of throwing', () => {
    expect(parseBody('')).toEqual({ kind: 'empty' });
    expect(parseBody('  \n')).toEqual({ kind: 'empty' });
    expect(parseBody('<html></html>')).toEqual({ kind: 'html' });
    expect(parseBody('{"a":')).toEqual({ kind: 'malformed' });
    expect(parseBody('{"status":400}')).toEqual({ kind: 'json', value: { status: 400 } });
  });
});

describe('encodeForm', () => {
  it('URL-encodes every value and leaves out absent ones', () => {
    expect(encodeForm({ refresh_token: 'a+b/c=d&e', client_secret: undefined, scope: 'chat:read chat:edit' })).toBe(
      'refresh_token=a%2Bb%2Fc%3Dd%26e&scope=chat%3Aread+chat%3Aedit',
    );
  });
});

describe('normalizeBaseUrl and resolveHttpSettings', () => {
  it('drops trailing slashes and keeps the path', () => {
    expect(normalizeBaseUrl('https://id.twitch.tv/oauth2/')).toBe('https://id.twitch.tv/oauth2');
    expect(normalizeBaseUrl('http://localhost:8080/auth')).toBe('http://localhost:8080/auth');
  });

  it('applies documented defaults', () => {
    expect(resolveHttpSettings()).toMatchObject({
      baseUrl: 'https://id.twitch.tv/oauth2',
      timeoutMs: 10_000,
      retryLimit: 2,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
    });
    expect(resolveHttpSettings({ retry: 0, timeoutMs: 0 })).toMatchObject({ retryLimit: 0, timeoutMs: 0 });
  });

  it('refuses credentials in the base URL', () => {
    expect(() => normalizeBaseUrl('https://user:pass@id.twitch.tv/oauth2')).toThrow(/credentials/);
  });
});

describe('contentCodingOf', () => {
  it('names a content coding other than identity, and nothing for identity or none', () => {
    expect(contentCodingOf(null)).toBeUndefined();
    expect(contentCodingOf('identity')).toBeUndefined();
    expect(contentCodingOf(' Identity ')).toBeUndefined();
    expect(contentCodingOf('gzip')).toBe('gzip');
    expect(contentCodingOf('GZIP, gzip')).toBe('gzip, gzip');
    expect(contentCodingOf('br')).toBe('br');
    expect(contentCodingOf('x'.repeat(100))).toBe('unknown');
    expect(contentCodingOf('gzip\u001b[31m')).toBe('unknown');
  });
});

describe('redactorFor', () => {
  const redact = redactorFor({
    form: { client_id: 'clientid0123456789', client_secret: 'secret0123456789', refresh_token: 'a+b/c=d0123456789' },
    authorization: 'OAuth accesstoken0123456789',
  });

  it('replaces sent secrets, as sent or URL-encoded, and leaves the rest', () => {
    expect(redact('bad secret0123456789 for clientid0123456789')).toBe('bad [redacted] for clientid0123456789');
    expect(redact('token a%2Bb%2Fc%3Dd0123456789 and accesstoken0123456789')).toBe('token [redacted] and [redacted]');
    expect(redact('invalid refresh token')).toBe('invalid refresh token');
  });

  it("returns a failure's cause as it is unless it quotes a secret, then a copy without it", () => {
    const clean = new Error('connect ECONNREFUSED');
    expect(redact.cause(clean)).toBe(clean);
    const quoting = Object.assign(new Error('sent client_secret=secret0123456789', { cause: clean }), { code: 'E_X' });
    const copy = redact.cause(quoting) as Error & { code?: string };
    expect(copy.message).toBe('sent client_secret=[redacted]');
    expect(copy.code).toBe('E_X');
    expect((copy.cause as Error).message).toBe('connect ECONNREFUSED');
    expect(copy.stack).not.toContain('secret0123456789');
  });
});
