import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import jsQRModule from 'jsqr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverToken } from '../src/cli/output.js';
import { COMMANDS, runCli } from '../src/cli/run-cli.js';
import { formatRemaining, qrCode } from '../src/cli/terminal.js';
import { AccessToken, UserAuthenticator, validateToken } from '../src/index.js';
import { DEMO_APP, DEMO_PUBLIC_APP, FAULT_BODIES, startFakeTwitch } from '../src/testing/index.js';
import { useFakeTwitch } from './support/fake.js';
import { authorize, fakeBrowser, loginSetup, visit } from './support/login.js';

/** A loopback port taken on 127.0.0.1 until `release()`, so no other server gets it meanwhile. */
async function holdFreePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    release: () =>
      new Promise<void>((resolve) => {
        if (server.listening)
          server.close(() => {
            resolve();
          });
        else resolve();
      }),
  };
}

const secret = DEMO_APP.clientSecret ?? '';
// jsqr is CommonJS: its function is the default export under some loaders, module.exports under others.
const jsQR = typeof jsQRModule === 'function' ? jsQRModule : jsQRModule.default;
const appFlags = ['--client-id', DEMO_APP.clientId];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  readonly stdin?: string;
  /** What the user types at a hidden prompt (stdin is then a terminal). */
  readonly typed?: string;
  readonly env?: Record<string, string>;
  readonly interactive?: boolean;
  /** Called with each chunk written to stderr, e.g. to play the browser when the URL appears. */
  readonly onStderr?: (chunk: string) => void;
  /** Resolving it plays Ctrl+C. */
  readonly interrupted?: Promise<void>;
}

/** Runs the CLI in this process, as `twitchapi-oauth ...argv` would. */
async function cli(argv: string[], options: RunOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
      options.onStderr?.(text);
    },
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    readHidden: options.typed === undefined ? undefined : () => Promise.resolve(options.typed ?? ''),
    env: options.env ?? {},
    interactive: options.interactive ?? false,
    interrupted: options.interrupted ?? new Promise(() => undefined),
  });
  return { code, stdout, stderr };
}

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-cli-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('twitchapi-oauth --help', () => {
  it('lists every command and the exit codes; a bare call is a usage error', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const name of [
      'login',
      'device',
      'refresh',
      'validate',
      'revoke',
      'app-token',
      'userinfo',
      'fake-twitch',
      'demo',
    ]) {
      expect(help.stdout).toContain(`  ${name} `);
    }
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}done\n {2}1 {2}Twitch refused/);
    expect(help.stdout).toContain('130  stopped with Ctrl+C');
    const bare = await cli([]);
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toContain('Usage: twitchapi-oauth <command>');
  });

  it('gives every command a --help with its usage and options', async () => {
    for (const command of COMMANDS) {
      const help = await cli([command.name, '--help']);
      expect(help.code, command.name).toBe(0);
      expect(help.stdout).toContain(`Usage: twitchapi-oauth ${command.usage}`);
      for (const option of Object.keys(command.options)) expect(help.stdout).toContain(`--${option}`);
    }
  });

  it('refuses unknown commands and options with exit code 2', async () => {
    expect(await cli(['tokens'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command') as string,
    });
    const bogus = await cli(['validate', 'x', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe(
      'Unknown option --bogus for twitchapi-oauth validate.\nRun twitchapi-oauth validate --help for its options.\n',
    );
  });

  it('names an unknown option and suggests the closest one', async () => {
    const typo = await cli(['app-token', '--scope', 'chat:read', ...appFlags]);
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toBe(
      'Unknown option --scope for twitchapi-oauth app-token: did you mean --scopes?\n' +
        'Run twitchapi-oauth app-token --help for its options.\n',
    );
    expect((await cli(['login', '--no-browse'])).stderr).toMatch(
      /^Unknown option --no-browse .*did you mean --no-browser\?/,
    );
    expect((await cli(['refresh', 'x', '--client_id', 'a'])).stderr).toMatch(/did you mean --client-id\?/);
    expect((await cli(['validate', 'x', '--jsno=1'])).stderr).toMatch(/^Unknown option --jsno .*did you mean --json\?/);
    // An option of another command: named as such, no far-fetched guess.
    expect((await cli(['validate', 'x', '--save', 'f'])).stderr).toMatch(
      /^Unknown option --save for twitchapi-oauth validate\.\n/,
    );
    expect((await cli(['validate', 'x', '-q'])).stderr).toMatch(/^Unknown option -q for twitchapi-oauth validate\.\n/);
    // Never Node's raw parser text (with its unbalanced quote).
    for (const run of [typo, await cli(['login', '--scopes'])]) expect(run.stderr).not.toMatch(/as in|ERR_PARSE_ARGS/);
  });

  it('says which option lacks a value, and which takes none', async () => {
    const missing = await cli(['login', '--scopes']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--scopes needs a value: --scopes VALUE\.\n/);
    const given = await cli(['validate', 'x', '--json=yes']);
    expect(given.code).toBe(2);
    expect(given.stderr).toMatch(/^--json takes no value\.\n/);
  });

  it('documents the exit codes identically in --help and the README', async () => {
    const help = (await cli(['--help'])).stdout;
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    const listed = [...help.matchAll(/^ {2}(\d+) {2}(.+)$/gm)];
    expect(listed.map(([, code]) => code)).toEqual(['0', '1', '2', '3', '130']);
    for (const [, code, meaning] of listed) expect(readme).toContain(`**${String(code)}** ${String(meaning)}`);
  });
});

describe('the token commands', () => {
  const twitch = useFakeTwitch();
  const base = (): string[] => ['--auth-base-url', twitch.fake.authBaseUrl];

  it('refresh: prints the new token on stdout, nothing secret on stderr', async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    const run = await cli(['refresh', login.refreshToken, ...appFlags, ...base()], {
      env: { TWITCH_CLIENT_SECRET: secret },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^access token +[a-z0-9]{30}\nrefresh token +[a-z0-9]{50}\nexpires in +14124 s/);
    expect(run.stdout).toMatch(/scopes +chat:read\n$/);
    expect(run.stderr).toBe('');
  });

  it('refresh: takes the secret, or the token, from stdin, and prints JSON with --json', async () => {
    const login = twitch.fake.issueUserToken();
    const fromStdin = await cli(
      ['refresh', login.refreshToken, ...appFlags, '--client-secret', '-', '--json', ...base()],
      {
        stdin: `${secret}\n`,
      },
    );
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ refreshToken: login.refreshToken, tokenType: 'bearer' });

    const tokenFromStdin = await cli(['refresh', '-', ...appFlags, ...base()], {
      stdin: login.refreshToken,
      env: { TWITCH_CLIENT_SECRET: secret },
    });
    expect(tokenFromStdin.code).toBe(0);
    const both = await cli(['refresh', '-', ...appFlags, '--client-secret', '-', ...base()], { stdin: 'x' });
    expect(both.code).toBe(2);
  });

  it('refresh: a public client needs no secret; a refused token exits 1 without echoing it', async () => {
    const login = twitch.fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId });
    const ok = await cli(['refresh', login.refreshToken, '--client-id', DEMO_PUBLIC_APP.clientId, ...base()]);
    expect(ok.code).toBe(0);
    const spent = await cli(['refresh', login.refreshToken, '--client-id', DEMO_PUBLIC_APP.clientId, ...base()]);
    expect(spent.code).toBe(1);
    expect(spent.stdout).toBe('');
    expect(spent.stderr).toMatch(/refused the refresh token/);
    expect(spent.stderr).not.toContain(login.refreshToken);
    const wrong = await cli(['refresh', 'x', ...appFlags, ...base()], { env: { TWITCH_CLIENT_SECRET: 'wrongsecret' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).not.toContain('wrongsecret');
  });

  it('refresh --save FILE: writes the storage helper format, mode 0600, and prints no token', async () => {
    const login = twitch.fake.issueUserToken();
    const file = join(folder, 'user_token.json');
    const run = await cli(['refresh', login.refreshToken, ...appFlags, '--save', file, ...base()], {
      env: { TWITCH_CLIENT_SECRET: secret },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Saved the token to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'twitchapi-oauth/tokens@1',
      tokens: { default: { refreshToken: login.refreshToken } },
    });
  });

  it('takes the client id from TWITCH_CLIENT_ID, and a secret typed at a terminal without echo', async () => {
    const login = twitch.fake.issueUserToken();
    const typed = await cli(['refresh', login.refreshToken, '--client-secret', '-', ...base()], {
      env: { TWITCH_CLIENT_ID: DEMO_APP.clientId },
      typed: secret,
    });
    expect(typed.code).toBe(0);
    expect(twitch.fake.requestsTo('/token')[0]?.form).toMatchObject({
      client_id: DEMO_APP.clientId,
      client_secret: secret,
    });
    // TWITCH_CLIENT_SECRET=- already takes stdin: a token of '-' cannot too.
    const both = await cli(['refresh', '-', ...appFlags, ...base()], {
      env: { TWITCH_CLIENT_SECRET: '-' },
      stdin: 'x',
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/Only one of the refresh token and the client secret/);
  });

  it('checks --save before anything is spent at Twitch', async () => {
    const login = twitch.fake.issueUserToken();
    for (const target of [join(folder, 'missing-dir', 't.json'), folder, '']) {
      const run = await cli(['refresh', login.refreshToken, ...appFlags, '--save', target, ...base()], {
        env: { TWITCH_CLIENT_SECRET: secret },
      });
      expect(run.code, target).toBe(2);
    }
    expect(twitch.fake.requestsTo('/token')).toHaveLength(0);
  });

  it('prints the token rather than lose it when --save fails after Twitch answered', async () => {
    const notADirectory = join(folder, 'plain-file');
    writeFileSync(notADirectory, 'x');
    let stdout = '';
    let stderr = '';
    const code = await deliverToken(
      twitch.fake.issueUserToken(),
      { values: { save: join(notADirectory, 'token.json') }, positionals: [], signal: new AbortController().signal },
      {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        readStdin: () => Promise.resolve(''),
        readHidden: undefined,
        env: {},
        interactive: false,
        interrupted: new Promise(() => undefined),
      },
    );
    expect(code).toBe(2);
    expect(stdout).toMatch(/^access token +[a-z0-9]{30}\nrefresh token +[a-z0-9]{50}/);
    expect(stderr).toMatch(/printed above instead: store it now/);
  });

  it('exits 3 for an answer it cannot read, and 2 for a port fetch refuses (a configuration fault)', async () => {
    twitch.fake.injectFault({ endpoint: '/validate', status: 200, body: FAULT_BODIES.html });
    expect((await cli(['validate', 'x', ...base()])).code).toBe(3);
    const blocked = await cli(['validate', 'x', '--auth-base-url', 'http://127.0.0.1:6667/oauth2']);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/fetch refuses this port.*--auth-base-url/);
  });

  it('needs a client id, and a secret where the grant does', async () => {
    expect((await cli(['refresh', 'x', ...base()])).stderr).toMatch(/--client-id or TWITCH_CLIENT_ID/);
    expect((await cli(['refresh', 'x', ...base()])).code).toBe(2);
    const noSecret = await cli(['app-token', ...appFlags, ...base()]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/TWITCH_CLIENT_SECRET/);
  });

  it('validate: 0 with the details for a valid token, 1 for an invalid one, 3 when Twitch cannot be reached', async () => {
    const login = twitch.fake.issueUserToken({ scopes: ['chat:read'] });
    const valid = await cli(['validate', login.accessToken, '--json', ...base()]);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual({
      clientId: DEMO_APP.clientId,
      login: 'twitchdev',
      userId: '141981764',
      scopes: ['chat:read'],
      expiresIn: expect.any(Number) as number,
    });
    expect((await cli(['validate', login.accessToken, ...base()])).stdout).toMatch(/^clientId {2}/);
    expect((await cli(['validate', 'nope', ...base()])).code).toBe(1);
    const closed = twitch.fake.authBaseUrl;
    await twitch.fake.close();
    const unreachable = await cli(['validate', 'nope', '--auth-base-url', closed]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/Could not reach/);
  });

  it('revoke: 0 when revoked, 1 when Twitch did not know the token', async () => {
    const login = twitch.fake.issueUserToken();
    expect((await cli(['revoke', login.accessToken, ...appFlags, ...base()])).code).toBe(0);
    expect(await validateToken(login.accessToken, { authBaseUrl: twitch.fake.authBaseUrl })).toMatchObject({
      valid: false,
    });
    const again = await cli(['revoke', login.accessToken, ...appFlags, '--json', ...base()]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({ revoked: false });
  });

  it('app-token --save FILE: writes the token as JSON, mode 0600, readable with AccessToken.fromJSON', async () => {
    const file = join(folder, 'app_token.json');
    const env = { TWITCH_CLIENT_SECRET: secret };
    const run = await cli(['app-token', ...appFlags, '--save', file, ...base()], { env });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toBe(`Saved the app token to ${file} (readable by you only).\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = AccessToken.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
    expect(await validateToken(token.accessToken, { authBaseUrl: twitch.fake.authBaseUrl })).toMatchObject({
      valid: true,
      login: null,
    });
    // Saved again: replaced (an app token is simply fetched anew); --json prints it too.
    const again = await cli(['app-token', ...appFlags, '--save', file, '--json', ...base()], { env });
    expect(again.code).toBe(0);
    const replaced = AccessToken.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
    expect(replaced.accessToken).not.toBe(token.accessToken);
    expect(JSON.parse(again.stdout)).toMatchObject({ accessToken: replaced.accessToken });
  });

  it('app-token --save never overwrites a user token file, and checks before asking Twitch', async () => {
    const file = join(folder, 'user_token.json');
    const login = twitch.fake.issueUserToken();
    const env = { TWITCH_CLIENT_SECRET: secret };
    expect((await cli(['refresh', login.refreshToken, ...appFlags, '--save', file, ...base()], { env })).code).toBe(0);
    const before = readFileSync(file, 'utf8');
    twitch.fake.clearRecords();
    for (const target of [file, join(folder, 'missing-dir', 'a.json'), folder]) {
      const run = await cli(['app-token', ...appFlags, '--save', target, ...base()], { env });
      expect(run.code, target).toBe(2);
      expect(run.stdout).toBe('');
    }
    expect((await cli(['app-token', ...appFlags, '--save', file, ...base()], { env })).stderr).toMatch(
      /holds something other than an app token.*choose another file/,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(twitch.fake.requestsTo('/token')).toHaveLength(0);
  });

  it('warns once when the client secret is given on the command line, naming the safe ways', async () => {
    const login = twitch.fake.issueUserToken();
    const inArgv = await cli(['refresh', login.refreshToken, ...appFlags, '--client-secret', secret, ...base()]);
    expect(inArgv.code).toBe(0);
    expect(inArgv.stderr).toBe(
      'Warning: a client secret on the command line is visible to other users of this machine (ps) and stays in ' +
        'your shell history. Use TWITCH_CLIENT_SECRET, or --client-secret - to type it at a prompt without echo or ' +
        'pipe it in on stdin.\n',
    );
    expect(inArgv.stderr).not.toContain(secret);
    const app = await cli(['app-token', ...appFlags, `--client-secret=${secret}`, ...base()]);
    expect(app.stderr.match(/Warning: a client secret on the command line/g)).toHaveLength(1);
    // The safe ways say nothing.
    const fromEnv = await cli(['app-token', ...appFlags, ...base()], { env: { TWITCH_CLIENT_SECRET: secret } });
    const fromStdin = await cli(['app-token', ...appFlags, '--client-secret', '-', ...base()], { stdin: secret });
    const typed = await cli(['app-token', ...appFlags, '--client-secret', '-', ...base()], { typed: secret });
    for (const run of [fromEnv, fromStdin, typed]) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
    }
  });

  it('app-token and userinfo', async () => {
    const app = await cli(['app-token', ...appFlags, '--json', ...base()], { env: { TWITCH_CLIENT_SECRET: secret } });
    expect(app.code).toBe(0);
    expect(JSON.parse(app.stdout)).toMatchObject({ expiresIn: 5_011_271, tokenType: 'bearer' });

    const login = twitch.fake.issueUserToken({ scopes: ['openid'] });
    const info = await cli(['userinfo', login.accessToken, ...base()]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/userId +141981764\nlogin +twitchdev/);
    expect(JSON.parse((await cli(['userinfo', login.accessToken, '--json', ...base()])).stdout)).toMatchObject({
      sub: '141981764',
    });
  });
});

describe('twitchapi-oauth login', () => {
  const twitch = useFakeTwitch({ authorize: 'approve' });

  it('prints the URL with --no-browser, receives the redirect, and prints the token', async () => {
    const { url, app } = await loginSetup(twitch.fake);
    let browsing: Promise<unknown> = Promise.resolve();
    const run = await cli(
      [
        'login',
        '--scopes',
        'chat:read,chat:edit',
        '--no-browser',
        '--url',
        url,
        '--client-id',
        app.appId,
        '--auth-base-url',
        twitch.fake.authBaseUrl,
      ],
      {
        env: { TWITCH_CLIENT_SECRET: app.appSecret },
        onStderr: (chunk) => {
          const authUrl = /(http:\/\/127\.0\.0\.1\S+\/authorize\?\S+)/.exec(chunk)?.[1];
          if (authUrl !== undefined) browsing = authorize(authUrl).then(visit);
        },
      },
    );
    await browsing;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/scopes +chat:read chat:edit/);
    expect(run.stderr).toContain(`the redirect comes back to ${url}`);
    expect(run.stderr).not.toContain(app.appSecret);
  });

  it('exits 3 when nobody logs in before --timeout, and 130 when stopped with Ctrl+C', async () => {
    const { url, app } = await loginSetup(twitch.fake);
    const args = [
      'login',
      '--no-browser',
      '--url',
      url,
      '--client-id',
      app.appId,
      '--auth-base-url',
      twitch.fake.authBaseUrl,
    ];
    const env = { TWITCH_CLIENT_SECRET: app.appSecret };
    const late = await cli([...args, '--timeout', '1'], { env });
    expect(late.code).toBe(3);
    expect(late.stderr).toMatch(/No login arrived .* within 1 s\..*--timeout SECONDS/s);
    // --no-browser was given: the hint does not suggest it again.
    expect(late.stderr).not.toMatch(/use --no-browser/);
    expect(late.stderr).not.toMatch(/useBrowser|timeoutMs|onAuthUrl/);
    // A browser was asked for (here a program that opens nothing): the hint offers --no-browser.
    const browserArgs = args.filter((arg) => arg !== '--no-browser');
    const quiet = await cli([...browserArgs, '--browser', '/bin/true', '--timeout', '1'], { env });
    expect(quiet.code).toBe(3);
    expect(quiet.stderr).toMatch(/If no browser opened, use --no-browser and open the printed URL/);
    const stopped = await cli(args, { env, interrupted: new Promise((resolve) => setTimeout(resolve, 200)) });
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('Stopped (Ctrl+C)');
    expect((await cli([...args, '--timeout', 'soon'], { env })).code).toBe(2);
  });
});

describe('twitchapi-oauth device', () => {
  const twitch = useFakeTwitch({ lifetimes: { deviceIntervalSeconds: 1 } });

  async function deviceLogin(interactive: boolean): Promise<Run> {
    return cli(
      [
        'device',
        '--scopes',
        'chat:read',
        '--client-id',
        DEMO_PUBLIC_APP.clientId,
        '--auth-base-url',
        twitch.fake.authBaseUrl,
      ],
      {
        interactive,
        onStderr: (chunk) => {
          const code = /confirm the code ([A-Z]{8})/.exec(chunk)?.[1];
          if (code !== undefined) twitch.fake.identity.decideDevice(code, true);
        },
      },
    );
  }

  it('shows the URL and code as plain lines when not a terminal, and prints the token once approved', async () => {
    const run = await deviceLogin(false);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Open http:\/\/127\.0\.0\.1:\d+\/oauth2\/activate\?device-code=[A-Z]{8}\non any device/);
    expect(run.stderr).toMatch(/Waiting for the approval \(the code expires in 30:00\)/);
    // eslint-disable-next-line no-control-regex -- carriage returns and escape codes are what this checks for
    expect(run.stderr).not.toMatch(/[\r\u001b█▀▄]/);
    expect(run.stdout).toMatch(/scopes +chat:read/);
  });

  it('exits 1 when the user declines, and 3 when the code expires first', async () => {
    const denied = await cli(
      ['device', '--client-id', DEMO_PUBLIC_APP.clientId, '--auth-base-url', twitch.fake.authBaseUrl],
      {
        onStderr: (chunk) => {
          const code = /confirm the code ([A-Z]{8})/.exec(chunk)?.[1];
          if (code !== undefined) twitch.fake.identity.decideDevice(code, false);
        },
      },
    );
    expect(denied.code).toBe(1);
    const fake = await startFakeTwitch({ lifetimes: { deviceCodeSeconds: 2, deviceIntervalSeconds: 1 } });
    try {
      const expired = await cli([
        'device',
        '--client-id',
        DEMO_PUBLIC_APP.clientId,
        '--auth-base-url',
        fake.authBaseUrl,
      ]);
      expect(expired.code).toBe(3);
      expect(expired.stderr).toContain('run twitchapi-oauth device again');
    } finally {
      await fake.close();
    }
  });

  it('adds a QR code and a live countdown in a terminal', async () => {
    const run = await deviceLogin(true);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Or scan this with your phone:');
    expect(run.stderr).toMatch(/[█▀▄]{10}/);
    // eslint-disable-next-line no-control-regex -- the live countdown rewrites its line with these
    expect(run.stderr).toMatch(/\r\u001b\[2KWaiting for the approval… \d+:\d\d left/);
    expect(run.stderr).toContain('Approved.');
  });
});

describe('the terminal helpers', () => {
  it('draws a QR code that a scanner reads back as the URL', async () => {
    const url = 'https://www.twitch.tv/activate?device-code=ABCDEFGH';
    const rows = (await qrCode(url)).split('\n').filter((line) => line !== '');
    // Each character is two modules stacked; drawn glyphs are the terminal's foreground (light on dark).
    const scale = 4;
    const width = Array.from(rows[0] ?? '').length;
    const height = rows.length * 2;
    const pixels = new Uint8ClampedArray(width * scale * height * scale * 4);
    rows.forEach((row, y) => {
      Array.from(row).forEach((char, x) => {
        const halves = [char === '█' || char === '▀', char === '█' || char === '▄'];
        halves.forEach((lit, half) => {
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const offset = (((y * 2 + half) * scale + dy) * width * scale + x * scale + dx) * 4;
              pixels.fill(lit ? 255 : 0, offset, offset + 3);
              pixels[offset + 3] = 255;
            }
          }
        });
      });
    });
    const decoded = jsQR(pixels, width * scale, height * scale, { inversionAttempts: 'attemptBoth' });
    expect(decoded?.data).toBe(url);
  });

  it('formats the time left', () => {
    expect(formatRemaining(1_800_000)).toBe('30:00');
    expect(formatRemaining(61_001)).toBe('1:02');
    expect(formatRemaining(-5)).toBe('0:00');
  });
});

describe('twitchapi-oauth fake-twitch and demo', () => {
  it('runs the fake until Ctrl+C, printing where it is and the demo credentials', async () => {
    let stop: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let printed = '';
    const running = runCli(['fake-twitch', '--json'], {
      stdout: (text) => {
        printed += text;
      },
      stderr: () => undefined,
      readStdin: () => Promise.resolve(''),
      readHidden: undefined,
      env: {},
      interactive: false,
      interrupted,
    });
    while (printed === '') await new Promise((resolve) => setTimeout(resolve, 5));
    const { authBaseUrl, confidentialApp } = JSON.parse(printed) as {
      authBaseUrl: string;
      confidentialApp: { clientId: string };
    };
    expect(confidentialApp.clientId).toBe(DEMO_APP.clientId);
    expect(await validateToken('nope', { authBaseUrl })).toMatchObject({ valid: false });
    stop();
    expect(await running).toBe(0);
    await expect(validateToken('nope', { authBaseUrl, retry: 0 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('prints plain lines without --json, and refuses a bad --authorize or a taken --port', async () => {
    const first = startFakeTwitch();
    const taken = await first;
    try {
      const port = new URL(taken.origin).port;
      const busy = await cli(['fake-twitch', '--port', port]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toBe(
        `Port ${port} on 127.0.0.1 is in use: choose another with --port, or leave --port out for a free one.\n`,
      );
      expect((await cli(['fake-twitch', '--authorize', 'maybe'])).code).toBe(2);
    } finally {
      await taken.close();
    }
    let stop: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let printed = '';
    const running = cli(['fake-twitch', '--authorize', 'deny'], {
      interrupted,
      onStderr: () => undefined,
    }).then((run) => {
      printed = run.stdout;
      return run;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    expect((await running).code).toBe(0);
    expect(printed).toMatch(/^authBaseUrl +http:\/\/127\.0\.0\.1:\d+\/oauth2\ndemo app +client id hof5/);
  });

  /** Runs `fake-twitch --json …args` in this process; resolves once it printed where it listens. */
  async function runFakeTwitch(args: string[]): Promise<{
    description: { authBaseUrl: string; confidentialApp: { clientId: string; redirectUris: string[] } };
    stop: () => Promise<number>;
  }> {
    let interrupt: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => {
      interrupt = resolve;
    });
    let printed = '';
    let errors = '';
    const running = runCli(['fake-twitch', '--json', ...args], {
      stdout: (text) => (printed += text),
      stderr: (text) => (errors += text),
      readStdin: () => Promise.resolve(''),
      readHidden: undefined,
      env: {},
      interactive: false,
      interrupted,
    });
    let exited: number | undefined;
    void running.then((code) => (exited = code));
    while (printed === '' && exited === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    if (printed === '') throw new Error(`fake-twitch exited ${String(exited)}: ${errors}`);
    return {
      description: JSON.parse(printed) as never,
      stop: () => {
        interrupt();
        return running;
      },
    };
  }

  /** Where the fake's /authorize sends the browser for this redirect URI. */
  async function redirectFor(authBaseUrl: string, redirectUri: string): Promise<URL> {
    const query = new URLSearchParams({
      client_id: DEMO_APP.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'chat:read',
      state: 'abc',
    });
    return new URL(await authorize(`${authBaseUrl}/authorize?${query.toString()}`));
  }

  it('registers more redirect URIs with --redirect-uri (repeatable), for a bot on another port', async () => {
    // The port stays held until the login binds it: other test files start servers meanwhile.
    const held = await holdFreePort();
    const first = `http://localhost:${String(held.port)}/callback`;
    const second = 'http://127.0.0.1:3000';
    const { description, stop } = await runFakeTwitch(['--redirect-uri', first, '--redirect-uri', second]);
    try {
      expect(description.confidentialApp.redirectUris).toEqual(['http://localhost:17563', first, second]);
      for (const uri of [first, second, 'http://localhost:17563']) {
        const location = await redirectFor(description.authBaseUrl, uri);
        expect(`${location.origin}${location.pathname}`.replace(/\/$/, ''), uri).toBe(uri);
        expect(location.searchParams.get('code')).toMatch(/^[a-z0-9]+$/);
      }
      // Any other URI is still a mismatch, as at Twitch.
      const other = await redirectFor(description.authBaseUrl, 'http://localhost:4000');
      expect(other.searchParams.get('error')).toBe('redirect_mismatch');
      // And a whole login through it works.
      const auth = new UserAuthenticator({ appId: DEMO_APP.clientId, appSecret: secret }, ['chat:read'], {
        url: first,
        authBaseUrl: description.authBaseUrl,
      });
      const browser = fakeBrowser();
      await held.release();
      const token = await auth.authenticate({ useBrowser: false, onAuthUrl: browser.open });
      expect(token.scopes).toEqual(['chat:read']);
    } finally {
      await held.release();
      expect(await stop()).toBe(0);
    }
  });

  it('accepts any loopback redirect URI with --any-loopback-redirect, and nothing else', async () => {
    const { description, stop } = await runFakeTwitch(['--any-loopback-redirect']);
    try {
      for (const uri of ['http://localhost:4567', 'http://127.0.0.1:8123/cb', 'http://[::1]:9000/a/b']) {
        const location = await redirectFor(description.authBaseUrl, uri);
        expect(location.searchParams.get('code'), uri).toMatch(/^[a-z0-9]+$/);
        expect(location.href.startsWith(uri), uri).toBe(true);
      }
      for (const uri of ['https://localhost:4567', 'http://example.com:4567', 'http://localhost.example.com']) {
        expect((await redirectFor(description.authBaseUrl, uri)).searchParams.get('error'), uri).toBe(
          'redirect_mismatch',
        );
      }
    } finally {
      expect(await stop()).toBe(0);
    }
  });

  it('refuses a --redirect-uri that is not an absolute http(s) URL', async () => {
    const run = await cli(['fake-twitch', '--redirect-uri', 'localhost:3000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^--redirect-uri takes an absolute http\(s\) URL, e.g. http:\/\/localhost:3000\/callback; got "localhost:3000"\./,
    );
  });

  it('runs the demo', async () => {
    const run = await cli(['demo']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('9. validateToken after revoking → invalid');
  });
});

describe('the installed command, in a process of its own', () => {
  const twitch = useFakeTwitch();
  const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const run = promisify(execFile);

  it('runs --help and validate, and reads a piped secret', async () => {
    expect((await run(process.execPath, [bin, '--help'])).stdout).toContain('Usage: twitchapi-oauth <command>');
    const login = twitch.fake.issueUserToken();
    const { stdout } = await run(process.execPath, [
      bin,
      'validate',
      login.accessToken,
      '--json',
      '--auth-base-url',
      twitch.fake.authBaseUrl,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ login: 'twitchdev' });
    const invalid = await run(process.execPath, [
      bin,
      'validate',
      'nope',
      '--auth-base-url',
      twitch.fake.authBaseUrl,
    ]).catch((error: unknown) => error as { code: number });
    expect(invalid).toMatchObject({ code: 1 });

    const child = spawn(process.execPath, [
      bin,
      'app-token',
      ...appFlags,
      '--client-secret',
      '-',
      '--json',
      '--auth-base-url',
      twitch.fake.authBaseUrl,
    ]);
    child.stdin.end(`${secret}\n`);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(output)).toMatchObject({ tokenType: 'bearer' });
  });

  it('exits quietly when its reader goes away (| head)', async () => {
    const child = spawn(process.execPath, [bin, 'demo']);
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy(); // as `| head -1` closes the pipe
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(errors).not.toMatch(/EPIPE|Error|at /);
    expect([0, null]).toContain(code);
  });

  it('stops on SIGINT at once, even while Twitch does not answer', async () => {
    twitch.fake.injectFault({ endpoint: '/validate', delayMs: 30_000 });
    const child = spawn(process.execPath, [bin, 'validate', 'x', '--auth-base-url', twitch.fake.authBaseUrl]);
    while (twitch.fake.requestsTo('/validate').length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
  });

  it('stops a waiting login on SIGINT, closing its listener', async () => {
    const { url, app } = await loginSetup(twitch.fake);
    const child = spawn(
      process.execPath,
      [
        bin,
        'login',
        '--no-browser',
        '--url',
        url,
        '--client-id',
        app.appId,
        '--auth-base-url',
        twitch.fake.authBaseUrl,
      ],
      { env: { ...process.env, TWITCH_CLIENT_SECRET: app.appSecret } },
    );
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    while (!errors.includes('/authorize?')) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
    expect(errors).toContain('Stopped (Ctrl+C)');
    await expect(visit(`${url}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
