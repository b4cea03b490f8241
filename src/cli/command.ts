import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

/** Option definitions, as `node:util` parseArgs takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** One option's value as parsed; a repeatable option's (`multiple: true`) is an array. */
export type OptionValue = string | boolean | readonly (string | boolean)[] | undefined;

/** What a command gets: its parsed options and arguments. */
export interface CommandInput {
  readonly values: Readonly<Record<string, OptionValue>>;
  readonly positionals: readonly string[];
  /** Aborted on Ctrl+C (its reason: an `InterruptedError`); every wait and request takes it. */
  readonly signal: AbortSignal;
}

/** One CLI command. */
export interface Command {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** e.g. `refresh <refresh-token>`. */
  readonly usage: string;
  /** Paragraphs for `--help`. */
  readonly description: readonly string[];
  /** Its own options (the common ones are added), with a help line each. */
  readonly options: OptionSpecs;
  readonly optionHelp: Readonly<Record<string, string>>;
  /** Which common options apply. */
  readonly common: readonly CommonOption[];
  /** Runs the command; resolves with its exit code. */
  run(input: CommandInput, io: CliIo): Promise<number>;
}

/** The options shared by several commands. */
export const COMMON_OPTIONS = {
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'auth-base-url': { type: 'string' },
  json: { type: 'boolean' },
  save: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** One of {@link COMMON_OPTIONS}. */
export type CommonOption = keyof typeof COMMON_OPTIONS;

/** Help lines of the common options. */
export const COMMON_HELP: Readonly<Record<CommonOption, string>> = {
  'client-id': "the app's client id (or TWITCH_CLIENT_ID)",
  'client-secret':
    "the app's client secret (or TWITCH_CLIENT_SECRET; '-' reads it from stdin, out of your shell history)",
  'auth-base-url': "the identity service, e.g. a fake's (default https://id.twitch.tv/oauth2)",
  json: 'print machine-readable JSON',
  save: 'write the token to FILE in the storage helper format (mode 0600) instead of printing it',
  help: 'show this help',
};
