import { setImmediate as nextLoopTurn, setTimeout as sleep } from 'node:timers/promises';
import { TwitchBackendError } from '../errors/twitch-backend-error.js';
import { TwitchNetworkError } from '../errors/twitch-network-error.js';
import { TwitchRateLimitError } from '../errors/twitch-rate-limit-error.js';
import { UnexpectedResponseError } from '../errors/unexpected-response-error.js';
import { VERSION } from '../version.js';
import { backoffDelayMs, requestedWaitMs } from './backoff.js';
import type { FetchInit, HttpOptions, ResponseLike } from './options.js';
import { parseBody, type ParsedBody } from './parse-body.js';
import { redactorFor, type Redact } from './redact.js';
import { resolveHttpSettings, type HttpSettings } from './settings.js';
import { loadUndici } from './undici-runtime.js';
import { loadWire } from '../wire/load-wire.js';
import type { Dispatcher } from 'undici';

/** One call to the identity service. @internal */
export interface TwitchCall {
  readonly method: 'GET' | 'POST';
  /** The endpoint's path below the base URL, e.g. `/token`. */
  readonly path: `/${string}`;
  /** The form fields of a POST; `undefined` values are left out. Secrets go here, never in a URL. */
  readonly form?: Readonly<Record<string, string | undefined>>;
  /** The `Authorization` header's value. */
  readonly authorization?: string;
  /**
   * Whether sending the call twice does no harm. `false` for calls that spend something (a
   * one-time refresh token, an authorization code): after a failure that may have reached Twitch
   * (a timeout, a reset), they are not retried, since a retry would be refused and hide the real
   * outcome. Default: `true`.
   */
  readonly idempotent?: boolean;
  /**
   * Query parameters. Only the twitch CLI mock needs them (it reads its grant from the URL); they
   * never appear in `endpoint`, hence never in an error message.
   */
  readonly query?: Readonly<Record<string, string | undefined>>;
}

/** Twitch's answer to a call, when it is not a transient failure. @internal */
export interface TwitchReply {
  readonly status: number;
  /** `METHOD /path`, for error messages. */
  readonly endpoint: string;
  readonly body: ParsedBody;
  /** When the answering attempt was sent (epoch ms): a token's lifetime counts from here. */
  readonly sentAt: number;
  /** The base URL the call went to, for messages about a base URL that lacks an endpoint. */
  readonly baseUrl: string;
  /**
   * Replaces every secret the call sent (client secret, token, code) in a text from the answer,
   * so that a server quoting the request back cannot put a secret into an error message.
   */
  readonly redact: Redact;
}

/** Twitch sends a few hundred bytes; anything past this is not an answer from Twitch. */
const MAX_BODY_BYTES = 1 << 20;

const USER_AGENT = `twitchapi-oauth/${VERSION}`;

/** The abort reason of an attempt that ran out of time. */
const TIMED_OUT = Symbol('timed out');

/**
 * Sends a call to the identity service: the one place where this library does HTTP.
 *
 * Retries transient failures (connection errors, timeouts, 5xx, 429) with backoff and returns
 * every other answer, 4xx included, for the caller to interpret. Throws `TwitchNetworkError`,
 * `TwitchBackendError` or `TwitchRateLimitError` when the retries run out, and the signal's reason
 * when the caller aborts. @internal
 */
export async function callTwitch(call: TwitchCall, options?: HttpOptions): Promise<TwitchReply> {
  const settings = resolveHttpSettings(options);
  const endpoint = `${call.method} ${call.path}`;
  const redact = redactorFor(call);
  const url = settings.baseUrl + call.path + (call.query === undefined ? '' : `?${encodeForm(call.query)}`);
  const runtime = settings.fetch === undefined ? await loadUndici() : undefined;
  // With undici's fetch on the shared Agent and no caller signal, the Agent enforces the time limit:
  // no AbortSignal per attempt, which costs a tenth of a call. Otherwise a signal does it.
  const agentTimesOut = runtime !== undefined && settings.dispatcher === undefined && settings.signal === undefined;
  const init = buildInit(
    call,
    settings.dispatcher ?? (agentTimesOut ? runtime.timedDispatcher(settings.timeoutMs) : runtime?.agent),
  );
  const send = settings.fetch ?? runtime?.fetch;
  if (send === undefined) throw new TypeError('No fetch to send with.'); // unreachable: one of the two is set

  for (let attempt = 1; ; attempt++) {
    settings.signal?.throwIfAborted();
    const sentAt = Date.now();
    const outcome = agentTimesOut
      ? await attemptTimedByAgent(send, url, init, settings.timeoutMs)
      : await attemptOnce(send, url, init, settings);
    if ('status' in outcome && !isTransientStatus(outcome.status)) {
      if (outcome.status >= 300 && outcome.status < 400) {
        throw new UnexpectedResponseError({
          status: outcome.status,
          endpoint,
          problem: 'it is a redirect, which this library never follows because it could carry a secret elsewhere',
        });
      }
      // undici's pool counts a connection as busy until the event loop's check phase after its
      // response (it validates idle sockets there). A caller's next call made before then would
      // open a second connection; one turn of the loop lets sequential calls share one.
      await nextLoopTurn();
      return { status: outcome.status, endpoint, body: outcome.body, sentAt, baseUrl: settings.baseUrl, redact };
    }

    const requestedMs = 'status' in outcome ? outcome.requestedWaitMs : undefined;
    const retriesLeft =
      attempt <= settings.retryLimit &&
      !failsEveryTime(outcome) &&
      (call.idempotent !== false || safeToRepeat(outcome));
    const waitMs = requestedMs ?? backoffDelayMs(attempt, settings.baseDelayMs, settings.maxDelayMs);
    if (!retriesLeft || waitMs > settings.maxDelayMs) {
      throw await finalFailure(outcome, { endpoint, url, attempts: attempt, timeoutMs: settings.timeoutMs, redact });
    }
    try {
      await sleep(waitMs, undefined, settings.signal === undefined ? {} : { signal: settings.signal });
    } catch (error) {
      throw settings.signal?.reason ?? error;
    }
  }
}

/** What one attempt produced: an answer, or a failure to get one. */
type AttemptOutcome =
  | { readonly status: number; readonly body: ParsedBody; readonly requestedWaitMs: number | undefined }
  | { readonly failure: 'timeout' | 'network'; readonly cause: unknown };

/**
 * One attempt on the shared Agent, without an AbortSignal (which costs a tenth of a call): the Agent
 * cuts a silent server off, and a deadline here ends the attempt after `timeoutMs` in all cases.
 * Ending it stops all its work: the body being read is cancelled, which closes the connection, and
 * an answer that arrives later is cancelled at once, unread.
 */
async function attemptTimedByAgent(
  send: NonNullable<HttpSettings['fetch']>,
  url: string,
  init: Omit<FetchInit, 'signal'>,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const hold = new BodyHold();
  const attempt = readAttempt(send(url, init), hold);
  if (timeoutMs === 0) return attempt;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<AttemptOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({ failure: 'timeout', cause: undefined });
    }, timeoutMs);
  });
  const outcome = await Promise.race([attempt, deadline]);
  clearTimeout(timer);
  if ('failure' in outcome && outcome.cause === undefined) hold.giveUp();
  return outcome;
}

/** The outcome of a sent request: its status and bounded body, or why there is none. */
async function readAttempt(sending: Promise<ResponseLike>, hold: BodyHold): Promise<AttemptOutcome> {
  try {
    const response = await sending;
    const body = await readBody(response, hold);
    return { status: response.status, body, requestedWaitMs: requestedWaitMs(response.headers) };
  } catch (error) {
    return { failure: isTimeoutCode(errorCode(error)) ? 'timeout' : 'network', cause: error };
  }
}

/** One attempt whose time limit (and the caller's signal) an AbortSignal enforces. */
async function attemptOnce(
  send: NonNullable<HttpSettings['fetch']>,
  url: string,
  init: Omit<FetchInit, 'signal'>,
  settings: HttpSettings,
): Promise<AttemptOutcome> {
  const { signal } = settings;
  // One controller per attempt: a timeout aborts this attempt only, the caller's signal all of them.
  // (AbortSignal.any/timeout would do, but leak listeners on long-lived signals in Node 20.)
  const attempt = new AbortController();
  const hold = new BodyHold();
  const giveUp = (reason: unknown): void => {
    attempt.abort(reason);
    // A caller's fetch may not tie the body to the signal: the body is cancelled here too.
    hold.giveUp();
  };
  const timer =
    settings.timeoutMs > 0
      ? setTimeout(() => {
          giveUp(TIMED_OUT);
        }, settings.timeoutMs)
      : undefined;
  const forwardAbort = (): void => {
    giveUp(signal?.reason);
  };
  signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    const outcome = await readAttempt(send(url, { ...init, signal: attempt.signal }), hold);
    if (signal?.aborted === true) throw signal.reason;
    if (attempt.signal.aborted && 'failure' in outcome) {
      return { failure: attempt.signal.reason === TIMED_OUT ? 'timeout' : 'network', cause: outcome.cause };
    }
    if (attempt.signal.aborted) return { failure: 'timeout', cause: undefined };
    return outcome;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
  }
}

/**
 * An attempt's hold on its response body. Giving the attempt up cancels the body being read, or,
 * when the answer has not arrived yet, the body as soon as it does: a given-up attempt does no
 * more work and keeps no connection open.
 */
class BodyHold {
  #cancel: (() => void) | undefined;
  #givenUp = false;

  /** Registers how to cancel the body; cancels it at once when the attempt was already given up. */
  hold(cancel: () => void): void {
    if (this.#givenUp) cancel();
    else this.#cancel = cancel;
  }

  giveUp(): void {
    this.#givenUp = true;
    this.#cancel?.();
    this.#cancel = undefined;
  }
}

/**
 * The request, but for its signal. The caller's dispatcher goes to whichever fetch is used; without
 * one, undici's fetch gets the shared Agent, and a caller's own fetch keeps its own defaults.
 */
function buildInit(call: TwitchCall, dispatcher: Dispatcher | undefined): Omit<FetchInit, 'signal'> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    // Uncompressed, so that the declared length is the real size and the body stays bounded.
    'accept-encoding': 'identity',
    'user-agent': USER_AGENT,
  };
  if (call.authorization !== undefined) headers['authorization'] = call.authorization;
  let body: string | undefined;
  if (call.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = encodeForm(call.form);
  }
  return {
    method: call.method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  };
}

/** `application/x-www-form-urlencoded`, leaving out absent fields. @internal */
export function encodeForm(form: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    if (value !== undefined) params.append(name, value);
  }
  return params.toString();
}

/**
 * Reads at most {@link MAX_BODY_BYTES} of decoded body, so that a broken or hostile server cannot
 * exhaust memory. A body in any content coding but identity (which this library asks for) is not
 * read at all: a few kilobytes of gzip inside gzip decode to gigabytes. It is cancelled before any
 * decoding starts, which also closes the connection.
 */
async function readBody(response: ResponseLike, hold: BodyHold): Promise<ParsedBody> {
  const { body } = response;
  if (body === null) return parseBody('');
  const cancel = (): void => {
    body.cancel().catch(ignore);
  };
  const encoding = contentCodingOf(response.headers.get('content-encoding'));
  if (encoding !== undefined) {
    cancel();
    return { kind: 'compressed', encoding };
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_BODY_BYTES) {
    cancel();
    return { kind: 'too-large' };
  }
  // Read through a reader the attempt can cancel, never response.text(), which has no bound and
  // locks the stream against cancelling.
  const reader = body.getReader();
  hold.hold(() => {
    reader.cancel().catch(ignore);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.cancel().catch(ignore);
      return { kind: 'too-large' };
    }
    chunks.push(value);
  }
  return parseBody(Buffer.concat(chunks, size).toString('utf8'));
}

/**
 * The content coding of a body, when it is not identity: `gzip`, `gzip, gzip`, … as sent (a
 * header value that is not a list of coding names is reported as `unknown`). @internal
 */
export function contentCodingOf(header: string | null): string | undefined {
  if (header === null) return undefined;
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  const named = codings.join(', ');
  return /^[a-z0-9._-]+(, [a-z0-9._-]+)*$/.test(named) && named.length <= 40 ? named : 'unknown';
}

function ignore(): void {
  // A body that cannot be cancelled is already closed.
}

function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The error for a call whose retries ran out. */
async function finalFailure(
  outcome: AttemptOutcome,
  context: { endpoint: string; url: string; attempts: number; timeoutMs: number; redact: Redact },
): Promise<Error> {
  const { endpoint, attempts, redact } = context;
  if ('status' in outcome) {
    const { twitchMessageOf } = await loadWire();
    const twitchMessage = twitchMessageOf(outcome.body, redact);
    if (outcome.status === 429) {
      return new TwitchRateLimitError({
        status: 429,
        twitchMessage,
        endpoint,
        attempts,
        retryAfterMs: outcome.requestedWaitMs,
      });
    }
    return new TwitchBackendError({ status: outcome.status, twitchMessage, endpoint, attempts });
  }
  const code = errorCode(outcome.cause);
  return new TwitchNetworkError({
    endpoint,
    origin: new URL(context.url).origin,
    attempts,
    timeoutMs: outcome.failure === 'timeout' ? context.timeoutMs : undefined,
    code,
    transient: !isCertificateFailure(code) && code !== 'ERR_FETCH_BAD_PORT',
    cause: redact.cause(outcome.cause),
  });
}

/**
 * The system error code behind a failed fetch (`ECONNREFUSED`, …), looking through `cause`s. A
 * port that the Fetch standard blocks (1, 6665–6669, …) has no code; it gets `ERR_FETCH_BAD_PORT`.
 */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    const { code, cause, message } = current as { code?: unknown; cause?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (message === 'bad port') return 'ERR_FETCH_BAD_PORT';
    current = cause;
  }
  return undefined;
}

/** Whether the failure would recur on every attempt (a refused certificate, a blocked port). */
function failsEveryTime(outcome: AttemptOutcome): boolean {
  if ('status' in outcome) return false;
  const code = errorCode(outcome.cause);
  return code === 'ERR_FETCH_BAD_PORT' || isCertificateFailure(code);
}

/**
 * Whether a call that spends something may be sent again after this failure: when Twitch answered
 * (a 5xx or 429 says the call failed), or when the request certainly never left (no connection).
 * A timeout or reset may have reached Twitch, so the outcome is unknown.
 */
function safeToRepeat(outcome: AttemptOutcome): boolean {
  if ('status' in outcome) return true;
  if (outcome.failure === 'timeout') return false;
  return NOT_SENT_CODES.has(errorCode(outcome.cause) ?? '');
}

const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ERR_FETCH_BAD_PORT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function isTimeoutCode(code: string | undefined): boolean {
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

function isCertificateFailure(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('ERR_TLS_CERT') ||
      code.startsWith('CERT_') ||
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
      code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
      code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')
  );
}
