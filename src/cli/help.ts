import { VERSION } from '../version.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from './command.js';
import { EXIT_MEANINGS } from './exit-codes.js';

const EXIT_CODES = `Exit codes:\n${EXIT_MEANINGS.map(([code, meaning]) => `  ${String(code)}  ${meaning}`).join('\n')}`;

/** `twitchapi-oauth --help`. */
export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `twitchapi-oauth ${VERSION}: Twitch user tokens from the command line, without a token website.

Usage: twitchapi-oauth <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run twitchapi-oauth <command> --help for a command's options.
Credentials: --client-id / TWITCH_CLIENT_ID, and TWITCH_CLIENT_SECRET or --client-secret - (from stdin).
Tokens are printed on stdout only; progress and errors go to stderr and never contain a secret.

${EXIT_CODES}
`;
}

/** `twitchapi-oauth <command> --help`. */
export function commandHelp(command: Command): string {
  const lines: [string, string][] = [
    ...Object.entries(command.options).map(([name, spec]): [string, string] => [
      optionLabel(name, spec.type),
      command.optionHelp[name] ?? '',
    ]),
    ...command.common.map((name): [string, string] => [
      optionLabel(name, COMMON_OPTIONS[name].type),
      COMMON_HELP[name],
    ]),
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  return `Usage: twitchapi-oauth ${command.usage}

${command.description.join('\n')}

Options:
${lines.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`).join('\n')}

${EXIT_CODES}
`;
}

/** What a string option's value is called in the help, where `VALUE` says too little. */
const VALUE_NAMES: Readonly<Record<string, string>> = {
  save: 'FILE',
  'redirect-uri': 'URI',
  url: 'URL',
  'auth-base-url': 'URL',
  timeout: 'SECONDS',
  port: 'PORT',
  scopes: 'SCOPES',
};

function optionLabel(name: string, type: 'string' | 'boolean'): string {
  return type === 'string' ? `--${name} ${VALUE_NAMES[name] ?? 'VALUE'}` : `--${name}`;
}
