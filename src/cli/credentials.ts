import type { AppCredentials } from '../auth/user-authenticator.js';
import type { CommandInput, OptionValue } from './command.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/**
 * The app's credentials from `--client-id` / `--client-secret` or `TWITCH_CLIENT_ID` /
 * `TWITCH_CLIENT_SECRET`. A secret of `-` is read from stdin: typed without echo at a terminal,
 * else the first line of what is piped in.
 */
export async function appCredentials(
  input: CommandInput,
  io: CliIo,
  secret: 'required' | 'optional',
): Promise<AppCredentials> {
  const appId = text(input.values['client-id']) ?? io.env['TWITCH_CLIENT_ID'];
  if (appId === undefined || appId === '') {
    throw new UsageError(
      "Give the app's client id with --client-id or TWITCH_CLIENT_ID (from https://dev.twitch.tv/console/apps).",
    );
  }
  const typed = text(input.values['client-secret']);
  if (typed !== undefined && typed !== '' && typed !== '-') {
    io.stderr(
      'Warning: a client secret on the command line is visible to other users of this machine (ps) and stays in ' +
        'your shell history. Use TWITCH_CLIENT_SECRET, or --client-secret - to type it at a prompt without echo or ' +
        'pipe it in on stdin.\n',
    );
  }
  let appSecret = secretSource(input, io);
  if (appSecret === '-') appSecret = await readLine(io, input.signal, 'Client secret (not shown): ');
  if ((appSecret === undefined || appSecret === '') && secret === 'required') {
    throw new UsageError(
      "Give the app's client secret with TWITCH_CLIENT_SECRET, or --client-secret - to read it from stdin " +
        '(a secret typed on the command line ends up in your shell history).',
    );
  }
  return appSecret === undefined || appSecret === '' ? { appId } : { appId, appSecret };
}

/** The one token argument of a command; `-` reads it from stdin. */
export async function tokenArgument(input: CommandInput, io: CliIo, name: string): Promise<string> {
  const [value, extra] = input.positionals;
  if (value === undefined || extra !== undefined) {
    throw new UsageError(`Give exactly one ${name} (or - to read it from stdin).`);
  }
  if (value !== '-') return value;
  if (secretSource(input, io) === '-') {
    throw new UsageError(`Only one of the ${name} and the client secret can come from stdin ('-').`);
  }
  return readLine(io, input.signal, `${name[0]?.toUpperCase() ?? ''}${name.slice(1)} (not shown): `);
}

/** Scopes given as `chat:read,chat:edit` or `"chat:read chat:edit"`. */
export function scopesOption(value: OptionValue): string[] {
  return (text(value) ?? '').split(/[\s,]+/).filter(Boolean);
}

/** A string option's value. */
export function text(value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function secretSource(input: CommandInput, io: CliIo): string | undefined {
  return text(input.values['client-secret']) ?? io.env['TWITCH_CLIENT_SECRET'];
}

/** One line from stdin: asked for without echo at a terminal, else the first line piped in. Ctrl+C stops it. */
async function readLine(io: CliIo, signal: AbortSignal, prompt: string): Promise<string> {
  const reading = io.readHidden === undefined ? io.readStdin() : io.readHidden(prompt);
  const stopped = new Promise<never>((_resolve, reject) => {
    const stop = (): void => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  const line = await Promise.race([reading, stopped]);
  return (line.split(/\r?\n/)[0] ?? '').trim();
}
