import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';

/** A node:http server run by a test, counting the sockets its clients leave open. */
export interface HostileServer {
  /** The base URL to pass as `authBaseUrl`. */
  readonly authBaseUrl: string;
  /** Connections open now. */
  readonly openSockets: number;
  /** Connections open now that carried a request (not idle ones a pool opened ahead). */
  readonly openRequestSockets: number;
  /** Connections opened so far. */
  readonly connections: number;
  /** Requests received so far: method, URL, headers and body. */
  readonly requests: readonly { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  /**
   * Waits until no connection that carried a request is open, up to `withinMs`; returns how many
   * are still open then. (undici opens a fresh idle connection after an aborted request and closes
   * it at its keep-alive timeout: that one carried nothing and is not counted.)
   */
  settledOpenSockets(withinMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 that answers every request with `answer`. */
export async function startHostileServer(
  answer: (request: IncomingMessage, response: ServerResponse, body: string) => void | Promise<void>,
): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const requestSockets = new Set<Socket>();
  const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    if (!request.socket.destroyed) requestSockets.add(request.socket);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      void Promise.resolve(answer(request, response, body)).catch(() => response.destroy());
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      requestSockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    authBaseUrl: `http://127.0.0.1:${String(port)}/oauth2`,
    get openSockets() {
      return sockets.size;
    },
    get openRequestSockets() {
      return requestSockets.size;
    },
    get connections() {
      return connections;
    },
    requests,
    async settledOpenSockets(withinMs = 2000) {
      // A condition wait, not a timing assertion: a closed socket reports 'close' within a few
      // event-loop turns; a leaked one stays open for the whole wait.
      const until = Date.now() + withinMs;
      while (requestSockets.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      return requestSockets.size;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/**
 * A compression bomb: `decodedMiB` MiB of zeros, gzipped twice (the first layer's repeats
 * compress again), to be sent with `Content-Encoding: gzip, gzip`. 128 MiB decoded is under 2 KB
 * on the wire. Built by streaming, so building it does not hold the decoded bytes.
 */
export async function compressionBomb(decodedMiB: number): Promise<Buffer> {
  const gzip = createGzip({ level: 1 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const zeros = Buffer.alloc(1 << 20);
  for (let mib = 0; mib < decodedMiB; mib++) {
    if (!gzip.write(zeros)) await once(gzip, 'drain');
  }
  gzip.end();
  await once(gzip, 'end');
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
