import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserToken } from '../tokens/user-token.js';
import { FakeIdentity, type Answer, type Lifetimes } from './identity.js';
import {
  DEMO_APP,
  DEMO_PUBLIC_APP,
  DEMO_USER,
  type AuthorizeMode,
  type FakeApp,
  type FakeFault,
  type FakeUser,
  type RecordedRequest,
} from './model.js';

/** Options of {@link startFakeTwitch}; every one has a default. */
export interface FakeTwitchOptions {
  /** The registered apps. Default: {@link DEMO_APP} and {@link DEMO_PUBLIC_APP}. */
  readonly apps?: readonly FakeApp[];
  /** The users; the first one is logged in. Default: {@link DEMO_USER}. */
  readonly users?: readonly FakeUser[];
  /** How `/authorize` decides. Default: `'auto'`. */
  readonly authorize?: AuthorizeMode;
  /** Token and code lifetimes; see {@link Lifetimes}. */
  readonly lifetimes?: Partial<Lifetimes>;
  /** The fake's clock, in epoch ms. Default: `Date.now` (which vitest's fake timers control). */
  readonly now?: () => number;
  /** The address to listen on. Default: `127.0.0.1`. */
  readonly host?: string;
  /** The port to listen on. Default: `0`, a free port. */
  readonly port?: number;
  /** How long idle keep-alive connections stay open, in ms. Default: `5000`, as Node's servers. */
  readonly keepAliveTimeoutMs?: number;
  /**
   * More redirect URIs registered for every app (the demo apps keep `http://localhost:17563`), so
   * that a bot on another port, or a second run, can log in. Compared exactly, as Twitch does.
   * Default: none.
   */
  readonly redirectUris?: readonly string[];
  /**
   * Accept any loopback redirect URI (`http://localhost`, `127.0.0.1` or `[::1]`, any port and
   * path) for every app, as if it were registered. Twitch itself does not: register the real URI
   * there. Default: `false`.
   */
  readonly acceptAnyLoopbackRedirect?: boolean;
}

const DEFAULT_LIFETIMES: Lifetimes = {
  userTokenSeconds: 14_124,
  appTokenSeconds: 5_011_271,
  deviceCodeSeconds: 1800,
  deviceIntervalSeconds: 5,
};

/** A fault with its remaining count. */
interface ArmedFault {
  readonly fault: FakeFault;
  remaining: number;
}

/** How many redirect URIs `acceptAnyLoopbackRedirect` keeps registered per app: memory stays bounded. */
const MAX_AUTO_REDIRECTS = 64;

/** The base paths the fake serves: Twitch's, and the twitch CLI mock API's. */
const BASE_PATHS = ['/oauth2', '/auth'] as const;

/**
 * A fake Twitch identity service on `node:http`, speaking Twitch's exact bodies, for tests and
 * offline development. Start one with {@link startFakeTwitch}.
 */
export class FakeTwitch {
  /** The base URL to pass as `authBaseUrl`, e.g. `http://127.0.0.1:41234/oauth2`. */
  readonly authBaseUrl: string;
  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** Apps, users, codes and tokens; see {@link FakeIdentity}. */
  readonly identity: FakeIdentity;

  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #requests: RecordedRequest[] = [];
  readonly #faults: ArmedFault[] = [];
  readonly #now: () => number;
  /** Aborted by close(), so that delayed answers do not keep the process alive. */
  readonly #closing = new AbortController();
  /** Connections opened since the last clearRecords(). */
  #connections = 0;
  /** Connections opened since the start: numbers are never reused, even after clearRecords(). */
  #connectionSerial = 0;
  readonly #socketNumbers = new WeakMap<Socket, number>();
  readonly #anyLoopbackRedirect: boolean;
  /** The redirect URIs `acceptAnyLoopbackRedirect` registered, by client id, oldest first. */
  readonly #autoRedirects = new Map<string, string[]>();

  /** @internal Use {@link startFakeTwitch}. */
  constructor(server: Server, identity: FakeIdentity, now: () => number, anyLoopbackRedirect = false) {
    const { address, family, port } = server.address() as AddressInfo;
    const host = family === 'IPv6' ? `[${address}]` : address;
    this.origin = `http://${host}:${String(port)}`;
    this.authBaseUrl = `${this.origin}/oauth2`;
    this.identity = identity;
    this.#server = server;
    this.#now = now;
    this.#anyLoopbackRedirect = anyLoopbackRedirect;
    server.on('connection', (socket: Socket) => {
      this.#connections += 1;
      // Numbered when it opens: a client may open several before sending a request on any.
      this.#connectionSerial += 1;
      this.#socketNumbers.set(socket, this.#connectionSerial);
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#handle(request, response).catch((error: unknown) => {
        // A bug in the fake must show up in the test that hit it, not crash the test process.
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`fake Twitch failed: ${String(error)}`);
        }
      });
    });
  }

  /** Every request received so far, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** How many TCP connections clients have opened to the fake. */
  get connectionCount(): number {
    return this.#connections;
  }

  /** How many connections are open now. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** The requests to one endpoint, e.g. `requestsTo('/token')`. */
  requestsTo(endpoint: string): RecordedRequest[] {
    return this.#requests.filter((request) => request.endpoint === endpoint);
  }

  /** Forgets the recorded requests and the connection count (not the apps, users or tokens). */
  clearRecords(): void {
    this.#requests.length = 0;
    this.#connections = 0;
  }

  /**
   * Injects a fault; faults apply in the order given. Returns a handle telling how many times it
   * has not fired yet.
   *
   * @example
   * ```ts
   * fake.injectFault({ endpoint: '/token', status: 503, times: 2 }); // two failures, then success
   * ```
   */
  injectFault(fault: FakeFault): {
    /** How many matching requests it has yet to hit. */
    readonly remaining: number;
  } {
    const armed: ArmedFault = { fault, remaining: fault.times ?? 1 };
    this.#faults.push(armed);
    return {
      get remaining() {
        return armed.remaining;
      },
    };
  }

  /** Removes every fault not yet used up. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /**
   * Mints a user token as if the user had logged in, for tests that start from a token: a
   * {@link UserToken}, ready for a `TokenManager`. Default app: the first registered
   * ({@link DEMO_APP} by default); default user: the logged-in one.
   */
  issueUserToken(
    input: {
      /** The app. Default: the first registered. */
      clientId?: string;
      /** The user. Default: the logged-in one. */
      userId?: string;
      /** The scopes. Default: none. */
      scopes?: readonly string[];
    } = {},
  ): UserToken {
    const body = this.identity.mintUserToken(
      input.clientId ?? this.#firstAppId(),
      input.userId ?? this.identity.loggedInUserId,
      input.scopes ?? [],
    ) as { access_token: string; refresh_token: string; expires_in: number; scope: string[]; token_type: string };
    return new UserToken({
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresIn: body.expires_in,
      scopes: body.scope,
      tokenType: body.token_type,
      obtainedAt: this.#now(),
    });
  }

  /** Stops the server, closing every connection (idle, busy or delayed). */
  async close(): Promise<void> {
    this.#closing.abort();
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    // The server reports closed before its destroyed sockets emit 'close'; wait for those too,
    // so that openConnections is 0 once close() returns.
    const socketsClosed = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => {
            resolve();
          });
        }),
    );
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([closed, ...socketsClosed]);
  }

  /** `await using fake = await startFakeTwitch()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #firstAppId(): string {
    const [first] = this.identity.apps.keys();
    if (first === undefined) throw new TypeError('The fake has no registered app.');
    return first;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = new URL(request.url ?? '/', this.origin);
    const base = BASE_PATHS.find((path) => target.pathname === path || target.pathname.startsWith(`${path}/`));
    const endpoint = base === undefined ? target.pathname : target.pathname.slice(base.length) || '/';
    const raw = await readRequestBody(request);
    const body = raw.toString('utf8');
    const form = readForm(request.headers['content-type'], raw);
    this.#requests.push({
      method: request.method ?? 'GET',
      endpoint,
      url: request.url ?? '/',
      query: Object.fromEntries(target.searchParams),
      headers: { ...request.headers },
      form,
      body,
      connection: this.#socketNumbers.get(request.socket) ?? 0,
      receivedAt: this.#now(),
    });

    const fault = this.#takeFault(endpoint, request.method ?? 'GET');
    if (fault?.delayMs !== undefined) {
      try {
        await sleep(fault.delayMs, undefined, { signal: this.#closing.signal });
      } catch {
        return; // closing: the socket is being destroyed
      }
    }
    if (fault?.reset === true) {
      request.socket.destroy();
      return;
    }
    if (fault?.oversizeBody === true) {
      await writeOversizeBody(response, fault.status ?? 200, fault.headers);
      return;
    }
    if (fault !== undefined && (fault.status !== undefined || fault.body !== undefined)) {
      const status = fault.status ?? 200;
      const text = fault.body ?? JSON.stringify({ status, message: statusText(status) });
      writeBody(response, status, text, { 'content-type': 'application/json', ...fault.headers });
      return;
    }
    // Outside the base paths nothing is served, so a client that drops the base path (e.g.
    // `new URL('/token', authBaseUrl)`) gets a 404, as it would from id.twitch.tv, not a working answer.
    const answer =
      base === undefined ? notFound() : this.#answer(request.method ?? 'GET', endpoint, target, form, request, base);
    if (fault?.dripMs !== undefined) {
      await this.#drip(response, answer, fault.dripMs);
      return;
    }
    if (fault?.dropAnswer === true) {
      // Processed (a code or one-time refresh token is now spent), but the answer never arrives.
      request.socket.destroy();
      return;
    }
    send(response, answer, fault?.headers);
  }

  #answer(
    method: string,
    endpoint: string,
    target: URL,
    form: Record<string, string>,
    request: IncomingMessage,
    base: string,
  ): Answer {
    const query = Object.fromEntries(target.searchParams);
    const authorization = request.headers.authorization;
    const route = `${method} ${endpoint}`;
    switch (route) {
      case 'GET /authorize':
        this.#registerLoopbackRedirect(query);
        return this.identity.authorize(query, `${base}/authorize`);
      case 'POST /authorize':
        // The twitch CLI mock's user_token grant arrives in the query string; the consent form in the body.
        return query['grant_type'] === 'user_token'
          ? this.identity.mockUserToken(query)
          : this.identity.decideConsent(form);
      case 'POST /token':
        // Twitch also takes the fields from the query string (some clients send them there); the body wins.
        return this.identity.token({ ...query, ...form });
      case 'GET /validate':
        return this.identity.validate(authorization);
      case 'POST /revoke':
        return this.identity.revoke({ ...query, ...form });
      case 'GET /userinfo':
        return this.identity.userInfo(authorization, this.authBaseUrl);
      case 'POST /device':
        return this.identity.device(form, `${this.origin}${base}/activate`);
      case 'GET /activate':
        return this.identity.activation(query['device-code'] ?? '', `${base}/activate`);
      case 'POST /activate':
        return this.identity.decideActivation(form);
      default:
        return notFound();
    }
  }

  /**
   * With `acceptAnyLoopbackRedirect`, registers the request's loopback redirect URI for its app on
   * first use; the oldest of more than {@link MAX_AUTO_REDIRECTS} so registered is forgotten.
   */
  #registerLoopbackRedirect(query: Readonly<Record<string, string>>): void {
    const app = this.identity.apps.get(query['client_id'] ?? '');
    const uri = query['redirect_uri'] ?? '';
    if (!this.#anyLoopbackRedirect || app === undefined || !isLoopbackRedirect(uri)) return;
    if (app.redirectUris.includes(uri)) return;
    const added = [...(this.#autoRedirects.get(app.clientId) ?? []), uri];
    const forgotten = added.length > MAX_AUTO_REDIRECTS ? added.shift() : undefined;
    this.#autoRedirects.set(app.clientId, added);
    const kept = app.redirectUris.filter((registered) => registered !== forgotten);
    this.identity.apps.set(app.clientId, withRedirects({ ...app, redirectUris: kept }, [uri]));
  }

  async #drip(response: ServerResponse, answer: Answer, everyMs: number): Promise<void> {
    const body = 'json' in answer ? JSON.stringify(answer.json) : '';
    response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(body.length) });
    for (const char of body) {
      if (response.destroyed) return;
      response.write(char);
      try {
        await sleep(everyMs, undefined, { signal: this.#closing.signal });
      } catch {
        return;
      }
    }
    response.end();
  }

  #takeFault(endpoint: string, method: string): FakeFault | undefined {
    const armed = this.#faults.find(
      ({ fault, remaining }) =>
        remaining > 0 &&
        (fault.endpoint === undefined || fault.endpoint === endpoint) &&
        (fault.method === undefined || fault.method === method),
    );
    if (armed === undefined) return undefined;
    armed.remaining -= 1;
    return armed.fault;
  }
}

/**
 * Starts a fake Twitch identity service on 127.0.0.1 (a free port by default).
 *
 * @example
 * ```ts
 * const fake = await startFakeTwitch();
 * const token = await refreshAccessToken(refresh, DEMO_APP.clientId, DEMO_APP.clientSecret, {
 *   authBaseUrl: fake.authBaseUrl,
 * });
 * await fake.close();
 * ```
 */
export async function startFakeTwitch(options: FakeTwitchOptions = {}): Promise<FakeTwitch> {
  const now = options.now ?? Date.now;
  const extraRedirects = options.redirectUris ?? [];
  for (const uri of extraRedirects) {
    if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
      throw new TypeError(`redirectUris: ${JSON.stringify(uri)} is not an absolute http(s) URL.`);
    }
  }
  const identity = new FakeIdentity({
    apps: (options.apps ?? [DEMO_APP, DEMO_PUBLIC_APP]).map((app) => withRedirects(app, extraRedirects)),
    users: options.users ?? [DEMO_USER],
    authorizeMode: options.authorize ?? 'auto',
    lifetimes: { ...DEFAULT_LIFETIMES, ...options.lifetimes },
    now,
  });
  const server = createServer({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new FakeTwitch(server, identity, now, options.acceptAnyLoopbackRedirect === true);
}

/** The app with more redirect URIs registered (each once, in order). */
function withRedirects(app: FakeApp, uris: readonly string[]): FakeApp {
  const added = uris.filter((uri, index) => !app.redirectUris.includes(uri) && uris.indexOf(uri) === index);
  return added.length === 0 ? app : { ...app, redirectUris: [...app.redirectUris, ...added] };
}

/** `http://localhost…`, `http://127.0.0.1…` or `http://[::1]…`: a redirect to this machine. */
function isLoopbackRedirect(uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const { protocol, hostname } = new URL(uri);
  return protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

function notFound(): Answer {
  return { status: 404, json: { status: 404, message: 'Not Found' } };
}

/** Writes an answer; `extraHeaders` come from a fault that only adds headers to the normal answer. */
function send(response: ServerResponse, answer: Answer, extraHeaders?: Readonly<Record<string, string>>): void {
  if ('location' in answer) {
    writeBody(response, 302, '', { location: answer.location, ...extraHeaders });
  } else if ('html' in answer) {
    writeBody(response, answer.status, answer.html, { 'content-type': 'text/html; charset=utf-8', ...extraHeaders });
  } else if ('json' in answer) {
    writeBody(response, answer.status, JSON.stringify(answer.json), {
      'content-type': 'application/json',
      ...extraHeaders,
    });
  } else {
    writeBody(response, 200, '', { ...extraHeaders });
  }
}

/** Answers with a declared length, as id.twitch.tv does (not chunked). */
function writeBody(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  response.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
}

/** Reads a request body, up to 1 MiB (the fake is for tests; nothing legitimate is larger). */
async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1 << 20) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The fields of a POST body, as Twitch reads them: `application/x-www-form-urlencoded` (the docs,
 * this library) or `multipart/form-data` (the official twitch CLI posts `/device` that way). Any
 * other body has no fields.
 */
function readForm(contentType: string | undefined, body: Buffer): Record<string, string> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded')
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (type === 'multipart/form-data') return readMultipartFields(contentType ?? '', body);
  return {};
}

/** The text fields of a `multipart/form-data` body (RFC 7578); file parts are skipped. */
function readMultipartFields(contentType: string, body: Buffer): Record<string, string> {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return {};
  // latin1 keeps every byte as one character, so parts can be cut and turned back into bytes.
  const parts = body.toString('latin1').split(`--${boundary}`).slice(1);
  const fields: Record<string, string> = {};
  for (const part of parts) {
    if (part.startsWith('--')) break; // the closing delimiter
    const headersEnd = part.indexOf('\r\n\r\n');
    if (headersEnd === -1) continue;
    const headers = part.slice(0, headersEnd);
    const name = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined || /filename=/i.test(headers)) continue;
    const value = part.slice(headersEnd + 4).replace(/\r\n$/, '');
    fields[name] = Buffer.from(value, 'latin1').toString('utf8');
  }
  return fields;
}

async function writeOversizeBody(
  response: ServerResponse,
  status: number,
  headers?: Readonly<Record<string, string>>,
): Promise<void> {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  for (let sent = 0; sent < 2 * 1024 * 1024 && !response.destroyed; sent += chunk.length) {
    if (!response.write(chunk)) await drainedOrClosed(response);
  }
  response.end();
}

/** Waits until the response can take more data or is gone, leaving no listener behind. */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done).off('close', done);
      resolve();
    };
    response.on('drain', done).on('close', done);
  });
}

function statusText(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      429: 'Too Many Requests',
      500: 'Internal Server Error',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
      504: 'Gateway Timeout',
    }[status] ?? 'Error'
  );
}
