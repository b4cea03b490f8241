import { UserAuthenticator } from '../../auth/user-authenticator.js';
import { DeviceCodeFlow } from '../../device/device-code-flow.js';
import type { DeviceCode } from '../../device/device-code.js';
import type { Command, OptionValue } from '../command.js';
import { appCredentials, scopesOption, text } from '../credentials.js';
import { UsageError } from '../exit-codes.js';
import { checkSaveTarget, deliverToken } from '../output.js';
import { formatRemaining, qrCode, statusLine } from '../terminal.js';
import { httpOptions } from './token-commands.js';

/** `twitchapi-oauth login`. */
export const loginCommand: Command = {
  name: 'login',
  summary: 'log in in a browser (authorization code flow) and print the tokens',
  usage: 'login --scopes chat:read,chat:edit [--no-browser]',
  description: [
    'Opens your browser at Twitch’s login, receives the redirect on a one-shot listener (loopback only),',
    'and prints the user token. Register the --url (default http://localhost:17563) exactly as an OAuth',
    'Redirect URL of the app at https://dev.twitch.tv/console/apps. Needs the client secret.',
  ],
  options: {
    scopes: { type: 'string' },
    'force-verify': { type: 'boolean' },
    url: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'no-browser': { type: 'boolean' },
    browser: { type: 'string' },
    timeout: { type: 'string' },
  },
  optionHelp: {
    scopes: 'scopes, comma- or space-separated',
    'force-verify': 'make Twitch ask again even if the app was authorized before',
    url: 'the redirect URI (default http://localhost:17563)',
    host: 'the bind address (default: loopback only; 0.0.0.0 exposes it to the network)',
    port: "the port to bind (default: the url's)",
    'no-browser': 'print the URL instead of opening a browser',
    browser: 'the browser to open, e.g. firefox',
    timeout: 'seconds to wait for the login (default 300; 0 waits forever)',
  },
  common: ['client-id', 'client-secret', 'auth-base-url', 'json', 'save', 'help'],
  async run(input, io) {
    const app = await appCredentials(input, io, 'required');
    const url = text(input.values['url']);
    const host = text(input.values['host']);
    const port = numberOption(input.values['port'], 'port');
    const timeoutSeconds = numberOption(input.values['timeout'], 'timeout');
    const auth = new UserAuthenticator(app, scopesOption(input.values['scopes']), {
      ...httpOptions(input),
      forceVerify: input.values['force-verify'] === true,
      ...(url === undefined ? {} : { url }),
      ...(host === undefined ? {} : { host }),
      ...(port === undefined ? {} : { port }),
      ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
    });
    await checkSaveTarget(input);
    const browser = text(input.values['browser']);
    io.stderr(`Waiting for the login; the redirect comes back to ${auth.url}.\n`);
    const token = await auth.authenticate({
      useBrowser: input.values['no-browser'] !== true,
      ...(browser === undefined ? {} : { browser }),
      signal: input.signal,
      onAuthUrl: (authUrl) => {
        io.stderr(`Open this URL in a browser to log in:\n\n  ${authUrl}\n\n`);
      },
    });
    return deliverToken(token, input, io);
  },
};

/** `twitchapi-oauth device`. */
export const deviceCommand: Command = {
  name: 'device',
  summary: 'log in on another device (device code flow): works headless and for public clients',
  usage: 'device --scopes chat:read',
  description: [
    'Shows a code and a URL (and, in a terminal, a QR code of it) to open on any device, then waits for',
    'the approval with a countdown, and prints the user token. Public clients need no secret.',
  ],
  options: { scopes: { type: 'string' } },
  optionHelp: { scopes: 'scopes, comma- or space-separated' },
  common: ['client-id', 'client-secret', 'auth-base-url', 'json', 'save', 'help'],
  async run(input, io) {
    const app = await appCredentials(input, io, 'optional');
    await checkSaveTarget(input);
    let ticker: NodeJS.Timeout | undefined;
    const flow = new DeviceCodeFlow(app, scopesOption(input.values['scopes']), {
      ...httpOptions(input),
      onCode: async (code) => {
        io.stderr(await codeInstructions(code, io.interactive));
        if (io.interactive) {
          const tick = (): void => {
            io.stderr(statusLine(`Waiting for the approval… ${formatRemaining(code.expiresAt - Date.now())} left`));
          };
          tick();
          ticker = setInterval(tick, 1000);
        } else {
          io.stderr(
            `Waiting for the approval (the code expires in ${formatRemaining(code.expiresAt - Date.now())})…\n`,
          );
        }
      },
    });
    try {
      const token = await flow.authenticate({
        signal: input.signal,
        onPoll: (poll) => {
          if (poll.outcome === 'failed' && !io.interactive) io.stderr('Twitch did not answer; still trying…\n');
        },
      });
      clearInterval(ticker);
      ticker = undefined;
      if (io.interactive) io.stderr(statusLine('Approved.\n'));
      return await deliverToken(token, input, io);
    } finally {
      // A countdown cut short (Ctrl+C, an error) ends its line, so the next message starts on its own.
      if (ticker !== undefined) io.stderr('\n');
      clearInterval(ticker);
    }
  },
};

async function codeInstructions(code: DeviceCode, interactive: boolean): Promise<string> {
  const lines = [`Open ${code.verificationUri}`, `on any device and confirm the code ${code.userCode}.`, ''];
  if (interactive) lines.push('Or scan this with your phone:', await qrCode(code.verificationUri), '');
  return `${lines.join('\n')}\n`;
}

function numberOption(value: OptionValue, name: string): number | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const number = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(number) || number < 0) {
    throw new UsageError(`--${name} takes a whole number ≥ 0; got ${JSON.stringify(raw)}.`);
  }
  return number;
}
