import { AuthorizationTimeoutError } from '../errors/authorization-timeout-error.js';
import { DeviceCodeExpiredError } from '../errors/device-code-expired-error.js';
import { ListenerError } from '../errors/listener-error.js';
import { TwitchAPIError } from '../errors/twitch-api-error.js';
import { describeCode, TwitchNetworkError } from '../errors/twitch-network-error.js';
import { VERSION } from '../version.js';
import { COMMON_OPTIONS, type Command } from './command.js';
import {
  appTokenCommand,
  refreshCommand,
  revokeCommand,
  userInfoCommand,
  validateCommand,
} from './commands/token-commands.js';
import { deviceCommand, loginCommand } from './commands/login-commands.js';
import { demoCommand, fakeTwitchCommand } from './commands/offline-commands.js';
import { EXIT, exitCodeFor, InterruptedError, UsageError } from './exit-codes.js';
import { commandHelp, generalHelp } from './help.js';
import type { CliIo } from './io.js';
import { parseCommandLine, type ParsedCommandLine } from './parse-options.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  loginCommand,
  deviceCommand,
  refreshCommand,
  validateCommand,
  revokeCommand,
  appTokenCommand,
  userInfoCommand,
  fakeTwitchCommand,
  demoCommand,
];

/** Runs the CLI with `argv` (without node and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(generalHelp(COMMANDS)); // not asked for: a usage error, so not on stdout
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(generalHelp(COMMANDS));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr(`Unknown command ${JSON.stringify(name)}. Run twitchapi-oauth --help for the commands.\n`);
    return EXIT.usage;
  }
  let values: ParsedCommandLine['values'] = {};
  try {
    const common = Object.fromEntries(command.common.map((option) => [option, COMMON_OPTIONS[option]]));
    const parsed = parseCommandLine(command.name, rest, { ...common, ...command.options });
    values = parsed.values;
    const { positionals } = parsed;
    if (values['help'] === true) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    const stop = new AbortController();
    void io.interrupted.then(() => {
      stop.abort(new InterruptedError(command.name));
    });
    return await command.run({ values, positionals, signal: stop.signal }, io);
  } catch (error) {
    io.stderr(`${describe(error, command, values)}\n`);
    return exitCodeFor(error);
  }
}

/**
 * What went wrong, in one message, in the CLI's terms (its options, not the library's): never a
 * stack, never a secret (the library's messages hold none).
 */
function describe(error: unknown, command: Command, values: ParsedCommandLine['values']): string {
  const rerun = `Run twitchapi-oauth ${command.name} --help for its options.`;
  if (error instanceof AuthorizationTimeoutError) {
    const hints = [
      ...(values['no-browser'] === true ? [] : ['If no browser opened, use --no-browser and open the printed URL.']),
      `If Twitch showed an error, register ${error.redirectUri} exactly as an OAuth Redirect URL of the app.`,
      values['host'] === undefined
        ? 'In a container, the listener must be reachable from outside it: --host 0.0.0.0, with the port ' +
          "published to the host's loopback only (docker run -p 127.0.0.1:PORT:PORT)."
        : `The listener was bound to --host ${String(values['host'])}: check that the browser's redirect can reach it there.`,
      '--timeout SECONDS waits longer (0: no limit).',
    ];
    return `No login arrived at ${error.redirectUri} within ${String(Math.round(error.timeoutMs / 1000))} s. ${hints.join(' ')}`;
  }
  if (error instanceof ListenerError) {
    return (
      `${error.code === 'EADDRINUSE' ? `Port ${String(error.port)} is in use` : `Cannot listen on ${error.host}:${String(error.port)} (${error.code ?? 'error'})`}. ` +
      'Choose another with --url http://localhost:PORT (register that URL for the app) or --port, or stop what uses it.'
    );
  }
  if (error instanceof DeviceCodeExpiredError) {
    return 'The code expired before it was approved: run twitchapi-oauth device again for a new one.';
  }
  if (error instanceof TwitchNetworkError) {
    const what = error.timedOut
      ? `${error.origin} did not answer ${error.endpoint ?? ''} in time`
      : `Could not reach ${error.origin} for ${error.endpoint ?? ''}: ${describeCode(error.code)}`;
    const tries = error.attempts > 1 ? ` (${String(error.attempts)} attempts)` : '';
    return `${what}${tries}. Check the network connection and --auth-base-url.`;
  }
  if (error instanceof InterruptedError || error instanceof UsageError || error instanceof TwitchAPIError) {
    return error.message;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `That port is in use: choose another with --port, or stop what uses it.`;
  if (error instanceof TypeError) return `${error.message}\n${rerun}`;
  return `twitchapi-oauth ${command.name} failed: ${error instanceof Error ? error.message : String(error)}`;
}
