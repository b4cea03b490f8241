import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FakeTwitch } from '../../src/testing/index.js';

/** One request the Helix stub received. */
export interface HelixRequest {
  readonly method: string;
  /** The endpoint below `/helix/` or twurple's mock prefix `/mock/`, e.g. `users`. */
  readonly endpoint: string;
  readonly query: Readonly<Record<string, string>>;
  /** The bearer token sent, or `undefined`. */
  readonly token: string | undefined;
  readonly clientId: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
  /** What the stub answered. */
  readonly status: number;
}

/** What the stub answers a request with instead of the normal answer. */
export type HelixFault = { readonly status: number } | { readonly reset: true };

/**
 * A local stand-in for Helix (`api.twitch.tv/helix`) on node:http, for tests. It checks tokens the
 * way Helix does, against the fake Twitch's identity service: an unknown, expired or revoked token,
 * or a `Client-Id` of another app, gets Helix's 401. It serves `/helix/…` and twurple's mock-API
 * prefix `/mock/…`, and forwards `/auth/…` (twurple's token validation in mock mode) to the fake.
 */
export interface HelixStub {
  /** e.g. `http://127.0.0.1:41234` */
  readonly origin: string;
  /** For `TWURPLE_MOCK_API_PORT`. */
  readonly port: number;
  /** `${origin}/helix/` */
  readonly helixBaseUrl: string;
  /** Every Helix request so far (not the forwarded `/auth/…` ones), oldest first. */
  readonly requests: readonly HelixRequest[];
  /** How many TCP connections clients opened. */
  readonly connectionCount: number;
  /** Answers the next `times` Helix requests with the fault, whatever their token. */
  injectFault(fault: HelixFault, times?: number): void;
  close(): Promise<void>;
}

const UNAUTHORIZED = { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' };
const CLIENT_MISMATCH = { error: 'Unauthorized', status: 401, message: 'Client ID and OAuth token do not match' };

/** Starts the stub on 127.0.0.1 (a free port), checking tokens against `fake`. */
export async function startHelixStub(fake: FakeTwitch): Promise<HelixStub> {
  const requests: HelixRequest[] = [];
  const faults: HelixFault[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(`stub failed: ${String(error)}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stub');
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');

    if (url.pathname.startsWith('/auth/')) {
      // twurple validates tokens at `${mock}/auth/validate`: the fake answers, as id.twitch.tv would.
      const forwarded = await fetch(`${fake.origin}${url.pathname}${url.search}`, {
        method: request.method ?? 'GET',
        headers: request.headers.authorization === undefined ? {} : { authorization: request.headers.authorization },
      });
      response
        .writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' })
        .end(await forwarded.text());
      return;
    }

    const prefix = ['/helix/', '/mock/'].find((candidate) => url.pathname.startsWith(candidate));
    const endpoint = prefix === undefined ? url.pathname : url.pathname.slice(prefix.length);
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : undefined;
    const clientId = header(request, 'client-id');
    const record = (status: number): void => {
      requests.push({
        method: request.method ?? 'GET',
        endpoint,
        query: Object.fromEntries(url.searchParams),
        token,
        clientId,
        contentType: header(request, 'content-type'),
        body,
        status,
      });
    };

    const fault = faults.shift();
    if (fault !== undefined && 'reset' in fault) {
      record(0);
      request.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      record(fault.status);
      json(response, fault.status, { error: 'Fault', status: fault.status, message: 'injected by the test' });
      return;
    }
    if (prefix === undefined) {
      record(404);
      json(response, 404, { error: 'Not Found', status: 404, message: '' });
      return;
    }
    const validation = fake.identity.validate(token === undefined ? undefined : `Bearer ${token}`);
    if (validation.status !== 200 || !('json' in validation)) {
      record(401);
      json(response, 401, UNAUTHORIZED);
      return;
    }
    const info = validation.json as { client_id: string; user_id?: string; login?: string };
    if (clientId !== info.client_id) {
      record(401);
      json(response, 401, CLIENT_MISMATCH);
      return;
    }
    record(endpoint === 'channels' && request.method === 'PATCH' ? 204 : 200);
    if (endpoint === 'users') {
      const id = url.searchParams.get('id') ?? info.user_id ?? '';
      const user = fake.identity.users.get(id);
      json(response, 200, { data: user === undefined ? [] : [helixUser(user.id, user.login)] });
    } else if (endpoint === 'channels' && request.method === 'PATCH') {
      response.writeHead(204, rateLimitHeaders()).end();
    } else {
      json(response, 200, { data: [{ endpoint, method: request.method, received: body }] });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${String(port)}`;
  return {
    origin,
    port,
    helixBaseUrl: `${origin}/helix/`,
    requests,
    get connectionCount() {
      return connections;
    },
    injectFault(fault, times = 1) {
      for (let index = 0; index < times; index++) faults.push(fault);
    },
    async close() {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Helix's rate-limit headers, which twurple's rate limiter reads. */
function rateLimitHeaders(): Record<string, string> {
  return {
    'ratelimit-limit': '800',
    'ratelimit-remaining': '799',
    'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...rateLimitHeaders(),
    })
    .end(text);
}

/** A user as Helix's `GET /users` describes one. */
function helixUser(id: string, login: string): Record<string, unknown> {
  return {
    id,
    login,
    display_name: login,
    type: '',
    broadcaster_type: '',
    description: '',
    profile_image_url: '',
    offline_image_url: '',
    view_count: 0,
    created_at: '2016-12-14T20:32:28Z',
  };
}
