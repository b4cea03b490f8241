import { describe, expect, it } from 'vitest';
import { buildAuthorizeUrl } from '../src/auth/authorize-url.js';
import { canShowBrowser } from '../src/auth/open-browser.js';
import { readCallback } from '../src/auth/read-callback.js';
import { createState } from '../src/auth/state.js';
import { statesMatch } from '../src/auth/states-match.js';

describe('buildAuthorizeUrl', () => {
  it('encodes every parameter, keeps the redirect URI as given, and keeps the base path', () => {
    const url = buildAuthorizeUrl({
      baseUrl: 'http://localhost:8080/auth',
      clientId: 'id',
      redirectUri: 'http://localhost:17563/callback?x=1&y=2',
      scopes: ['chat:read', 'chat:edit'],
      forceVerify: false,
      state: 'a+b/c=',
    });
    expect(url).toBe(
      'http://localhost:8080/auth/authorize?client_id=id&redirect_uri=http%3A%2F%2Flocalhost%3A17563%2Fcallback%3Fx%3D1%26y%3D2' +
        '&response_type=code&scope=chat%3Aread+chat%3Aedit&force_verify=false&state=a%2Bb%2Fc%3D',
    );
    expect(new URL(url).searchParams.get('redirect_uri')).toBe('http://localhost:17563/callback?x=1&y=2');
  });
});

describe('createState and statesMatch', () => {
  it('makes 256-bit URL-safe states', () => {
    const state = createState();
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(state, 'base64url')).toHaveLength(32);
  });

  it('compares exactly, whatever the lengths', () => {
    const state = createState();
    expect(statesMatch(state, state)).toBe(true);
    expect(statesMatch(`${state}x`, state)).toBe(false);
    expect(statesMatch('', state)).toBe(false);
    expect(statesMatch(state.slice(0, -1), state)).toBe(false);
  });
});

describe('readCallback', () => {
  const state = 'expected-state';
  const read = (query: string): ReturnType<typeof readCallback> => readCallback(new URLSearchParams(query), state);

  it('takes a code only with the expected state', () => {
    expect(read(`code=abc&scope=chat%3Aread&state=${state}`)).toEqual({ kind: 'code', code: 'abc' });
    expect(read('code=abc&state=other')).toEqual({ kind: 'foreign' });
    expect(read('code=abc')).toEqual({ kind: 'foreign' });
  });

  it('treats repeated parameters as not trustworthy', () => {
    expect(read(`code=abc&state=${state}&state=${state}`)).toEqual({ kind: 'foreign' });
    expect(read(`code=abc&code=def&state=${state}`)).toEqual({ kind: 'incomplete' });
    expect(read(`code=&state=${state}`)).toEqual({ kind: 'incomplete' });
  });

  it('reads errors for the expected state, decoding + as a space', () => {
    expect(read(`error=access_denied&error_description=The+user+denied+you+access&state=${state}`)).toEqual({
      kind: 'error',
      error: 'access_denied',
      description: 'The user denied you access',
    });
    expect(read('error=access_denied&state=forged')).toEqual({ kind: 'foreign' });
  });

  it('reads redirect_mismatch without a state (as Twitch sends it) as unverified, and with a wrong state as foreign', () => {
    expect(
      read('error=redirect_mismatch&error_description=Parameter+redirect_uri+does+not+match+registered+URI'),
    ).toEqual({
      kind: 'unverified-mismatch',
      description: 'Parameter redirect_uri does not match registered URI',
    });
    expect(read('error=redirect_mismatch&state=forged')).toEqual({ kind: 'foreign' });
  });

  it('survives badly encoded input', () => {
    expect(read('code=%E0%A4%A&state=%ZZ')).toEqual({ kind: 'foreign' });
  });
});

describe('canShowBrowser', () => {
  it('needs a display on Linux, except under WSL', () => {
    expect(canShowBrowser({}, 'linux')).toBe(false);
    expect(canShowBrowser({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(canShowBrowser({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(canShowBrowser({ WSL_DISTRO_NAME: 'Debian' }, 'linux')).toBe(true);
  });

  it('shows none over SSH without a forwarded display, on any system', () => {
    expect(canShowBrowser({ SSH_CONNECTION: '1 2 3 4' }, 'darwin')).toBe(false);
    expect(canShowBrowser({ SSH_TTY: '/dev/pts/0', DISPLAY: 'localhost:10.0' }, 'linux')).toBe(true);
    expect(canShowBrowser({}, 'darwin')).toBe(true);
    expect(canShowBrowser({}, 'win32')).toBe(true);
  });
});
