import { TwitchAPIError } from './twitch-api-error.js';

/** What a {@link ListenerError} knows. */
export interface ListenerErrorDetails {
  /** The address the listener tried to bind, e.g. `127.0.0.1`. */
  readonly host: string;
  /** The port it tried to bind. */
  readonly port: number;
  /** The system error code, e.g. `EADDRINUSE`. */
  readonly code: string | undefined;
  /** The error of `listen()`. */
  readonly cause: unknown;
}

/**
 * The loopback listener that receives Twitch's redirect could not start: the port is taken,
 * needs privileges, or the host is not an address of this machine.
 */
export class ListenerError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'ListenerError';
  /** The address it tried to bind, e.g. `127.0.0.1`. */
  readonly host: string;
  /** The port it tried to bind. */
  readonly port: number;
  /** The system error code, e.g. `EADDRINUSE`. */
  readonly code: string | undefined;

  constructor(details: ListenerErrorDetails) {
    super(describe(details), { cause: details.cause });
    this.host = details.host;
    this.port = details.port;
    this.code = details.code;
  }
}

function describe({ host, port, code }: ListenerErrorDetails): string {
  const where = `${host}:${String(port)}`;
  const elsewhere =
    `or choose another port with the url option (e.g. url: 'http://localhost:${String(port === 65535 ? port - 1 : port + 1)}') ` +
    `and register that exact URL as an OAuth Redirect URL at https://dev.twitch.tv/console/apps.`;
  switch (code) {
    case 'EADDRINUSE':
      return `Port ${String(port)} is already in use on ${host}, so the login redirect cannot be received. Stop the program using it (another bot, or a login still running), ${elsewhere}`;
    case 'EACCES':
      return `Listening on ${where} needs privileges this process lacks (ports below 1024 usually do). Run without them: ${elsewhere}`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine, so the listener cannot bind it. Leave the host option out to listen on loopback only.`;
    default:
      return `The listener for the login redirect could not start on ${where} (${code ?? 'unknown error'}). Check the host and port options, ${elsewhere}`;
  }
}
