import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ListenerError } from '../errors/listener-error.js';
import { noticePage } from './pages.js';

/** How the listener is set up. */
export interface LoopbackListenerOptions {
  /**
   * The addresses to bind, all on the same port. Addresses in `optionalHosts` may be missing on
   * this machine (IPv6 turned off): the listener starts without them.
   */
  readonly hosts: readonly string[];
  readonly optionalHosts?: readonly string[];
  readonly port: number;
  /** The redirect URI's path: the only one that answers. */
  readonly path: string;
  /** Handles a GET of `path`; it must answer every request it is given. */
  readonly onRedirect: (target: URL, response: ServerResponse) => void;
}

/** How long closing waits for answers being written (a success page) before cutting connections. */
const CLOSE_GRACE_MS = 1000;

/**
 * The most connections the listener keeps open at once, over all its addresses. A login needs a
 * handful: a browser opens at most 6 per host, plus a favicon request. @internal
 */
export const MAX_LISTENER_CONNECTIONS = 16;

/** Codes that mean "this machine has no such address family", e.g. IPv6 turned off. */
const MISSING_FAMILY_CODES = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/**
 * A one-shot `node:http` listener for the OAuth redirect. It answers only GET on the redirect path
 * (404 elsewhere, 405 for other methods), closes every connection after its answer, and
 * {@link LoopbackListener.close | close()} leaves no socket or timer behind.
 *
 * It keeps at most {@link MAX_LISTENER_CONNECTIONS} connections open. A connection beyond that
 * pushes out the oldest one that has not yet sent a request, so that a local process holding
 * idle connections can neither exhaust this process's file descriptors nor lock the browser out:
 * the browser sends its request as soon as it connects, and a connection with a request is never
 * pushed out. When every connection is being answered, the newcomer is dropped.
 */
export class LoopbackListener {
  readonly #servers: Server[];
  readonly #unanswered = new Set<ServerResponse>();
  /** Open connections, oldest first (a Set keeps insertion order). */
  readonly #connections = new Set<Socket>();
  /** Connections that sent a request: never pushed out, they close after their answer. */
  readonly #answering = new WeakSet<Socket>();
  #closing: Promise<void> | undefined;

  private constructor(servers: Server[]) {
    this.#servers = servers;
  }

  /** The addresses actually bound, e.g. `['127.0.0.1', '::1']`. */
  get hosts(): string[] {
    return this.#servers.map((server) => {
      const address = server.address();
      return typeof address === 'object' && address !== null ? address.address : '';
    });
  }

  /**
   * Binds every host on the port, or none: if one fails, the others are closed again and a
   * {@link ListenerError} says why and what to do.
   */
  static async start(options: LoopbackListenerOptions): Promise<LoopbackListener> {
    const listener = new LoopbackListener([]);
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      listener.#answer(request, response, options);
    };
    const optional = new Set(options.optionalHosts ?? []);
    try {
      for (const host of options.hosts) {
        const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, handle);
        server.on('connection', (socket: Socket) => {
          listener.#admit(socket);
        });
        try {
          await listen(server, host, options.port);
          listener.#servers.push(server);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (optional.has(host) && code !== undefined && MISSING_FAMILY_CODES.has(code)) continue;
          throw new ListenerError({ host, port: options.port, code, cause: error });
        }
      }
    } catch (error) {
      await listener.close();
      throw error;
    }
    return listener;
  }

  /**
   * Stops listening. Answers being written get {@link CLOSE_GRACE_MS} to finish; then every
   * connection is cut. Resolves when the servers are closed. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const closed = this.#servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    );
    await this.#answersWritten();
    for (const server of this.#servers) server.closeAllConnections();
    await Promise.all(closed);
  }

  /** Resolves once every request has been answered, or after the grace period. */
  async #answersWritten(): Promise<void> {
    if (this.#unanswered.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const pending = [...this.#unanswered].map(
      (response) => new Promise<void>((resolve) => response.once('close', resolve)),
    );
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Counts a new connection in, pushing out the oldest idle one when over the cap. */
  #admit(socket: Socket): void {
    this.#connections.add(socket);
    socket.once('close', () => this.#connections.delete(socket));
    if (this.#connections.size <= MAX_LISTENER_CONNECTIONS) return;
    for (const open of this.#connections) {
      if (!this.#answering.has(open)) {
        this.#connections.delete(open);
        open.destroy();
        return;
      }
    }
  }

  #answer(request: IncomingMessage, response: ServerResponse, options: LoopbackListenerOptions): void {
    this.#answering.add(request.socket);
    this.#unanswered.add(response);
    response.once('close', () => this.#unanswered.delete(response));
    // One request per connection: nothing is left open for the browser to reuse after the login.
    response.setHeader('connection', 'close');
    let target: URL;
    try {
      target = new URL(request.url ?? '/', 'http://listener.invalid');
    } catch {
      sendPage(response, 400, noticePage('Bad request', 'This address could not be read.'));
      return;
    }
    if (this.#closing !== undefined) {
      sendPage(response, 410, noticePage('Login finished', 'This login already finished. You can close this tab.'));
    } else if (target.pathname !== options.path) {
      sendPage(
        response,
        404,
        noticePage('Not found', 'Nothing here: this address only receives the Twitch login redirect.'),
      );
    } else if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      sendPage(response, 405, noticePage('Method not allowed', 'This address only answers GET requests.'));
    } else {
      options.onRedirect(target, response);
    }
    // The request body, if any, is never read: drop it so the connection can close.
    request.resume();
  }
}

/** Answers with a self-contained HTML page that nothing may cache. */
export function sendPage(response: ServerResponse, status: number, html: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  response.end(html);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError).once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}
