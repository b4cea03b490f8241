import { parseArgs } from 'node:util';
import { TwitchAPIError } from '../errors/twitch-api-error.js';
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
import { EXIT, exitCodeFor, UsageError } from './exit-codes.js';
import { commandHelp, generalHelp } from './help.js';
import type { CliIo } from './io.js';

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
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(generalHelp(COMMANDS));
    return name === undefined ? EXIT.usage : EXIT.ok;
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
  try {
    const common = Object.fromEntries(command.common.map((option) => [option, COMMON_OPTIONS[option]]));
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: { ...common, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values['help'] === true) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run({ values, positionals }, io);
  } catch (error) {
    io.stderr(`${describe(error, command)}\n`);
    return exitCodeFor(error);
  }
}

/** What went wrong, in one message: never a stack, never a secret (the library's messages hold none). */
function describe(error: unknown, command: Command): string {
  if (error instanceof UsageError || error instanceof TwitchAPIError) return error.message;
  if (error instanceof TypeError) {
    return `${error.message} Run twitchapi-oauth ${command.name} --help for its options.`;
  }
  return `twitchapi-oauth ${command.name} failed: ${error instanceof Error ? error.message : String(error)}`;
}
