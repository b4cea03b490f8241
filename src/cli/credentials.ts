import type { AppCredentials } from '../auth/user-authenticator.js';
import type { CommandInput } from './command.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

/**
 * The app's credentials from `--client-id` / `--client-secret` or `TWITCH_CLIENT_ID` /
 * `TWITCH_CLIENT_SECRET`; a secret of `-` is read from stdin.
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
  let appSecret = text(input.values['client-secret']) ?? io.env['TWITCH_CLIENT_SECRET'];
  if (appSecret === '-') appSecret = firstLine(await io.readStdin());
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
  if (input.values['client-secret'] === '-') {
    throw new UsageError(`Only one of the ${name} and --client-secret can come from stdin.`);
  }
  return firstLine(await io.readStdin());
}

/** Scopes given as `chat:read,chat:edit` or `"chat:read chat:edit"`. */
export function scopesOption(value: string | boolean | undefined): string[] {
  return (text(value) ?? '').split(/[\s,]+/).filter(Boolean);
}

/** A string option's value. */
export function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function firstLine(input: string): string {
  return (input.split(/\r?\n/)[0] ?? '').trim();
}
