import { AuthorizationTimeoutError } from '../errors/authorization-timeout-error.js';
import { DeviceCodeExpiredError } from '../errors/device-code-expired-error.js';
import { ListenerError } from '../errors/listener-error.js';
import { TokenStoreError } from '../errors/token-store-error.js';
import { TwitchAPIError } from '../errors/twitch-api-error.js';
import { TwitchNetworkError } from '../errors/twitch-network-error.js';
import { UnexpectedResponseError } from '../errors/unexpected-response-error.js';

/** The CLI's exit codes, as documented in the README and in `--help`. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Twitch refused: a token, a code, the app's credentials, or the user declined. */
  refused: 1,
  /** The command line or this machine is at fault: an option, argument or credential; a file or port. */
  usage: 2,
  /** No usable answer: the network, an outage, a timeout, a code that expired while waiting. */
  unreachable: 3,
  /** Stopped with Ctrl+C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** What each exit code means, as `--help` and the README list them (a test keeps the two equal). */
export const EXIT_MEANINGS: readonly (readonly [code: number, meaning: string])[] = [
  [EXIT.ok, 'done'],
  [EXIT.refused, "Twitch refused (a token, a code, the app's credentials), or the user declined"],
  [
    EXIT.usage,
    'usage or local error: a wrong or missing option, argument or credential, or a file or port that cannot be used',
  ],
  [EXIT.unreachable, 'no usable answer: network, outage, timeout, or a code that expired while waiting'],
  [EXIT.interrupted, 'stopped with Ctrl+C'],
];

/** A mistake in how the CLI was called, or a local fault; its message says what to do. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The user stopped the command (Ctrl+C, SIGTERM). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';

  constructor(what = 'the command') {
    super(`Stopped (Ctrl+C) before ${what} finished.`);
  }
}

/** The exit code for an error a command ended with. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) return EXIT.interrupted;
  if (isLocalFault(error)) return EXIT.usage;
  if (
    error instanceof AuthorizationTimeoutError ||
    error instanceof DeviceCodeExpiredError ||
    error instanceof TwitchNetworkError ||
    error instanceof UnexpectedResponseError
  ) {
    return EXIT.unreachable;
  }
  if (error instanceof TwitchAPIError) return error.transient ? EXIT.unreachable : EXIT.refused;
  return EXIT.refused;
}

/** The command line or this machine is at fault, not Twitch: fix the options or the environment. */
function isLocalFault(error: unknown): boolean {
  if (error instanceof UsageError || error instanceof TypeError || error instanceof ListenerError) return true;
  if (error instanceof TokenStoreError || isParseArgsError(error)) return true;
  if (error instanceof TwitchNetworkError && error.code === 'ERR_FETCH_BAD_PORT') return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL';
}

/** `node:util` parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
