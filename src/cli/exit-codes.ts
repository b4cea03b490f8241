import { AuthorizationTimeoutError } from '../errors/authorization-timeout-error.js';
import { DeviceCodeExpiredError } from '../errors/device-code-expired-error.js';
import { ListenerError } from '../errors/listener-error.js';
import { TwitchAPIError } from '../errors/twitch-api-error.js';

/** The CLI's exit codes, as documented in the README and in `--help`. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Twitch refused: a token, a code, the app's credentials, or the user declined. */
  refused: 1,
  /** The command line is wrong: unknown option, missing argument or credentials, unusable value. */
  usage: 2,
  /** No answer: the network, an outage, a timeout, a code that expired while waiting. */
  unreachable: 3,
} as const;

/** A mistake in how the CLI was called; its message says how to call it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code for an error a command ended with. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof TypeError || error instanceof ListenerError) return EXIT.usage;
  if (isParseArgsError(error)) return EXIT.usage;
  if (error instanceof AuthorizationTimeoutError || error instanceof DeviceCodeExpiredError) return EXIT.unreachable;
  if (error instanceof TwitchAPIError) return error.transient ? EXIT.unreachable : EXIT.refused;
  return EXIT.refused;
}

/** `node:util` parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
