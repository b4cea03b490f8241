/**
 * A debug hook: what a login or the storage helper is doing, one line per step, as the Python
 * original told its `logging.Logger` at DEBUG level. `console`, pino, winston and bunyan loggers
 * fit as they are.
 *
 * No message carries a secret: no access or refresh token, code, state or client secret, so a
 * logger may write where anyone can read.
 */
export interface Logger {
  /** Told each step as one line of text. */
  debug(message: string): void;
}

/**
 * The function the library logs through: silent without a logger, and a logger that throws
 * cannot break a login (its error becomes a process warning). @internal
 */
export function logThrough(logger: Logger | undefined): (message: string) => void {
  if (logger === undefined) return () => undefined;
  return (message) => {
    try {
      logger.debug(`twitchapi-oauth: ${message}`);
    } catch (error) {
      process.emitWarning(`The logger threw: ${String(error)}`, 'TwitchApiOauthWarning');
    }
  };
}

/** Scopes for a log line: names only (they are no secret). @internal */
export function describeScopes(scopes: readonly string[]): string {
  return scopes.length === 0 ? 'no scopes' : `scopes ${scopes.join(' ')}`;
}

/** An error for a log line: its class name only (messages are for the caller). @internal */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
