import type { AppCredentials } from '../auth/user-authenticator.js';
import { AuthenticationInProgressError } from '../errors/authentication-in-progress-error.js';
import { AuthorizationDeniedError } from '../errors/authorization-denied-error.js';
import { DeviceCodeExpiredError } from '../errors/device-code-expired-error.js';
import { isTransientError } from '../errors/is-transient-error.js';
import { TwitchRateLimitError } from '../errors/twitch-rate-limit-error.js';
import { UnauthorizedError } from '../errors/unauthorized-error.js';
import { UnexpectedResponseError } from '../errors/unexpected-response-error.js';
import { checkClientDurations } from '../auth/client-durations.js';
import { requireText } from '../helpers/require-text.js';
import { refusalDetails, refusedRequest } from '../helpers/token-endpoint.js';
import { backoffDelayMs } from '../http/backoff.js';
import { callTwitch } from '../http/client.js';
import { httpOptionsOf, type ClientHttpOptions, type HttpOptions } from '../http/options.js';
import { DEFAULT_TIMEOUT_MS } from '../http/settings.js';
import { systemClock, type Clock } from '../manager/clock.js';
import type { ScopeLike } from '../scopes.js';
import { UserToken } from '../tokens/user-token.js';
import { DeviceCode } from './device-code.js';
import { loadWire } from '../wire/load-wire.js';
import { describeScopes, errorName, logThrough, type Logger } from '../log/logger.js';

/**
 * Options of {@link DeviceCodeFlow}; every one has a default. `retry` applies to `getCode()` only:
 * the polling is its own retry, at the pace Twitch allows.
 */
export interface DeviceCodeFlowOptions extends ClientHttpOptions {
  /** The time source and timer. Default: the system clock. */
  readonly clock?: Clock;
  /** Shows the code to the user in {@link DeviceCodeFlow.authenticate}. Default: print it to stderr. */
  readonly onCode?: (code: DeviceCode) => void | Promise<void>;
  /**
   * Told each step (code issued, each poll's outcome, the end), never a secret: not the device
   * code, not the user code, not the token. See {@link Logger}. Python: the `logger` attribute.
   * Default: none (silent).
   */
  readonly logger?: Logger;
}

/** What one poll found, for `onPoll`. */
export interface DevicePoll {
  /** 1 for the first poll. */
  readonly attempt: number;
  /** `pending`: not approved yet; `slow_down`: Twitch asked for slower polling; `failed`: a failure that may pass. */
  readonly outcome: 'pending' | 'slow_down' | 'failed';
  /** The wait before the next poll, in milliseconds. */
  readonly nextPollInMs: number;
  /** When the code expires, in epoch milliseconds. */
  readonly expiresAt: number;
  /** The failure, for `failed`. */
  readonly error?: unknown;
}

/** Options of {@link DeviceCodeFlow.waitForAuthComplete}. */
export interface WaitForAuthOptions {
  /** Cancels the wait; it rejects with the signal's reason and no timer is left behind. */
  readonly signal?: AbortSignal;
  /** Called after every poll that did not end the wait. */
  readonly onPoll?: (poll: DevicePoll) => void;
}

/** The device code grant's `grant_type`. */
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: on `slow_down`, the interval grows by 5 seconds for the rest of the flow. */
const SLOW_DOWN_STEP_MS = 5000;
/**
 * The polling interval Twitch asks for (it sends 5 s) is used within these bounds, in seconds: a
 * broken or hostile answer can neither make the flow poll in a loop (`0.001`) nor wait beyond any
 * code's life (`1e10`, which as a timer would even fire at once).
 */
const MIN_INTERVAL_SECONDS = 1;
const MAX_INTERVAL_SECONDS = 600;
/**
 * The code's lifetime (Twitch sends 1800 s) is used up to one day, so that every wait of the flow
 * is bounded by the code's expiry and fits in a timer.
 */
const MAX_CODE_LIFETIME_SECONDS = 86_400;

/** The longest user code and verification URI shown to the user (Twitch's are 8 and about 50 characters). */
const MAX_SHOWN_LENGTH = 2048;
/** C0 and C1 control characters and DEL: shown on a terminal, they could rewrite what the user sees. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * What is wrong with the code and URI Twitch sent, if anything: both are shown to the user (on
 * stderr by default), so neither may carry control characters, and the URI must be a web address.
 */
function unshowableField(userCode: string, verificationUri: string): string | undefined {
  if (userCode.length > MAX_SHOWN_LENGTH || CONTROL_CHARACTERS.test(userCode)) {
    return 'user_code is too long or holds control characters';
  }
  if (verificationUri.length > MAX_SHOWN_LENGTH || CONTROL_CHARACTERS.test(verificationUri)) {
    return 'verification_uri is too long or holds control characters';
  }
  const protocol = URL.canParse(verificationUri) ? new URL(verificationUri).protocol : '';
  return protocol === 'https:' || protocol === 'http:' ? undefined : 'verification_uri is not an http(s) URL';
}

interface PendingCode {
  readonly deviceCode: string;
  readonly expiresAt: number;
  readonly intervalMs: number;
}

/**
 * Logs a user in without a browser on this machine (device code grant): the user opens a URL on
 * any device, enters a code, and approves; meanwhile this polls Twitch. It is the only login for
 * public clients (no secret), and suits servers, containers and Raspberry Pis.
 *
 * Python: `twitchAPI.oauth.CodeFlow`.
 *
 * @example
 * ```ts
 * const flow = new DeviceCodeFlow({ appId }, [AuthScope.CHAT_READ]);
 * const { userCode, verificationUri } = await flow.getCode();
 * console.log(`Open ${verificationUri} and enter ${userCode}`);
 * const token = await flow.waitForAuthComplete();
 * ```
 */
export class DeviceCodeFlow {
  /** The scopes asked for. */
  readonly scopes: readonly ScopeLike[];
  /** The `logger` option: told each step, never a secret. */
  readonly logger: Logger | undefined;
  readonly #log: (message: string) => void;
  readonly #appId: string;
  readonly #appSecret: string | undefined;
  readonly #http: HttpOptions;
  readonly #clock: Clock;
  readonly #onCode: ((code: DeviceCode) => void | Promise<void>) | undefined;
  readonly #requestTimeoutMs: number;
  #pending: PendingCode | undefined;
  #waiting = false;

  /**
   * @param app - The app's client id, and its secret for a confidential client (leave it out for a public one).
   * @param scopes - The scopes to ask for.
   * @param options - See {@link DeviceCodeFlowOptions}.
   * @throws TypeError for a duration option (`requestTimeoutMs`, `retry` delays) outside 0 to 2147483647 ms.
   */
  constructor(app: AppCredentials, scopes: readonly ScopeLike[] = [], options: DeviceCodeFlowOptions = {}) {
    this.#appId = requireText(app.appId, 'appId');
    this.#appSecret = app.appSecret === undefined ? undefined : requireText(app.appSecret, 'appSecret');
    this.scopes = Object.freeze([...scopes]);
    this.#clock = options.clock ?? systemClock;
    this.#onCode = options.onCode;
    this.logger = options.logger;
    this.#log = logThrough(options.logger);
    checkClientDurations(options);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#http = httpOptionsOf(options);
  }

  /**
   * Asks Twitch for a code (`POST /device`) and starts the flow. Show the user `verificationUri`
   * and `userCode`, then call {@link waitForAuthComplete}. A new call replaces the previous code.
   *
   * Twitch's `interval` is used within 1 to 600 seconds and its `expires_in` up to 86400 seconds
   * (one day); the returned code shows the values used.
   *
   * @returns The code; `const [userCode, verificationUri] = await flow.getCode()` works too.
   */
  async getCode(options: { readonly signal?: AbortSignal } = {}): Promise<DeviceCode> {
    const requestedAt = this.#clock.now();
    const reply = await callTwitch(
      { method: 'POST', path: '/device', form: { client_id: this.#appId, scopes: this.scopes.join(' ') } },
      { ...this.#http, ...(options.signal === undefined ? {} : { signal: options.signal }) },
    );
    if (reply.status !== 200) {
      const details = await refusalDetails(reply);
      throw reply.status === 401 || reply.status === 403 || /invalid client/i.test(details.twitchMessage ?? '')
        ? new UnauthorizedError(details)
        : refusedRequest(details);
    }
    const { decodeReply, deviceResponseSchema } = await loadWire();
    const wire = decodeReply(reply, deviceResponseSchema);
    const unshowable = unshowableField(wire.user_code, wire.verification_uri);
    if (unshowable !== undefined) {
      throw new UnexpectedResponseError({ status: reply.status, endpoint: reply.endpoint, problem: unshowable });
    }
    // Clamped rather than refused: the code is issued, and the user may be entering it already.
    const expiresIn = Math.min(wire.expires_in, MAX_CODE_LIFETIME_SECONDS);
    const interval = Math.min(Math.max(wire.interval, MIN_INTERVAL_SECONDS), MAX_INTERVAL_SECONDS);
    const expiresAt = requestedAt + Math.round(expiresIn * 1000);
    this.#pending = { deviceCode: wire.device_code, expiresAt, intervalMs: Math.round(interval * 1000) };
    this.#log(`device code issued: expires in ${String(expiresIn)} s, polls every ${String(interval)} s`);
    return new DeviceCode({
      userCode: wire.user_code,
      verificationUri: wire.verification_uri,
      expiresIn,
      interval,
      expiresAt,
    });
  }

  /**
   * Polls Twitch until the user approves, every `interval` seconds (5 more after each
   * `slow_down`), never past the code's expiry. Failures that may pass (network, 5xx) keep the
   * polling going with backoff.
   *
   * @throws TypeError when called before {@link getCode}.
   * @throws {@link AuthorizationDeniedError} when the user declines.
   * @throws {@link DeviceCodeExpiredError} when the code expires first (a poll in flight is cut off then).
   * @throws {@link AuthenticationInProgressError} while another wait on this flow runs.
   * @throws the signal's reason when aborted; the code stays valid for another wait.
   */
  async waitForAuthComplete(options: WaitForAuthOptions = {}): Promise<UserToken> {
    const pending = this.#pending;
    if (pending === undefined) {
      throw new TypeError('waitForAuthComplete() needs a code: call getCode() first and show it to the user.');
    }
    // Two waits on one code would poll twice as fast as Twitch allows.
    if (this.#waiting) throw new AuthenticationInProgressError();
    this.#waiting = true;
    try {
      return await this.#waitFor(pending, options);
    } finally {
      this.#waiting = false;
    }
  }

  async #waitFor(pending: PendingCode, options: WaitForAuthOptions): Promise<UserToken> {
    const { signal } = options;
    signal?.throwIfAborted();
    let intervalMs = pending.intervalMs;
    let failures = 0;
    let waitMs = intervalMs;
    for (let attempt = 1; ; attempt++) {
      await this.#sleep(Math.min(waitMs, pending.expiresAt - this.#clock.now()), signal);
      if (this.#clock.now() >= pending.expiresAt) throw this.#expired(pending);

      const requestedAt = this.#clock.now();
      let outcome: UserToken | 'pending' | 'slow_down';
      try {
        outcome = await this.#poll(pending, signal);
      } catch (error) {
        // An abort ends this wait only: the code stays valid for another waitForAuthComplete().
        if (signal?.aborted === true) throw error;
        if (!isTransientError(error)) {
          this.#end(pending);
          this.#log(`poll ${String(attempt)} ended the flow: ${errorName(error)}`);
          throw error;
        }
        failures += 1;
        const backoff = backoffDelayMs(failures, intervalMs, 60_000);
        const asked = error instanceof TwitchRateLimitError ? (error.retryAfterMs ?? 0) : 0;
        waitMs = intervalMs + Math.max(backoff, asked);
        this.#log(`poll ${String(attempt)} failed (${errorName(error)}); next in ${String(waitMs)} ms`);
        options.onPoll?.({ attempt, outcome: 'failed', nextPollInMs: waitMs, expiresAt: pending.expiresAt, error });
        continue;
      }
      failures = 0;
      if (outcome instanceof UserToken) {
        this.#end(pending);
        this.#log(`poll ${String(attempt)}: approved (${describeScopes(outcome.scopes)})`);
        return new UserToken({ ...outcome.toJSON(), obtainedAt: requestedAt });
      }
      if (outcome === 'slow_down') intervalMs += SLOW_DOWN_STEP_MS;
      waitMs = intervalMs;
      this.#log(`poll ${String(attempt)}: ${outcome}; next in ${String(waitMs)} ms`);
      options.onPoll?.({ attempt, outcome, nextPollInMs: waitMs, expiresAt: pending.expiresAt });
    }
  }

  #expired(pending: PendingCode): DeviceCodeExpiredError {
    this.#end(pending);
    return new DeviceCodeExpiredError();
  }

  /**
   * Runs the whole flow: `getCode()`, shows the code (the `onCode` option, else stderr), then
   * `waitForAuthComplete()`. This is what `UserAuthenticationStorageHelper` calls when a
   * `DeviceCodeFlow` is its `authGenerator`.
   */
  async authenticate(options: WaitForAuthOptions = {}): Promise<UserToken> {
    const code = await this.getCode(options.signal === undefined ? {} : { signal: options.signal });
    if (this.#onCode !== undefined) {
      await this.#onCode(code);
    } else {
      const minutes = Math.max(1, Math.round((code.expiresAt - this.#clock.now()) / 60_000));
      process.stderr.write(
        `To log in to Twitch, open ${code.verificationUri}\nand confirm the code ${code.userCode} ` +
          `(valid for ${String(minutes)} min).\n`,
      );
    }
    return this.waitForAuthComplete(options);
  }

  /** One poll: a token, `pending` or `slow_down`; throws for the other answers. */
  async #poll(pending: PendingCode, signal: AbortSignal | undefined): Promise<UserToken | 'pending' | 'slow_down'> {
    const reply = await callTwitch(
      {
        method: 'POST',
        path: '/token',
        form: {
          client_id: this.#appId,
          client_secret: this.#appSecret,
          scopes: this.scopes.join(' '),
          device_code: pending.deviceCode,
          grant_type: DEVICE_GRANT,
        },
      },
      {
        ...this.#http,
        // The polling loop is the retry, at the pace Twitch allows.
        retry: 0,
        // A poll never outlives the code: a slow answer is cut off when the code expires.
        timeoutMs: Math.max(1, Math.min(this.#requestTimeoutMs, Math.ceil(pending.expiresAt - this.#clock.now()))),
        ...(signal === undefined ? {} : { signal }),
      },
    );
    const wire = await loadWire();
    if (reply.status === 200)
      return wire.toUserToken(wire.decodeReply(reply, wire.userTokenResponseSchema), reply.sentAt);
    const codes = wire.errorCodesOf(reply.body);
    if (codes.includes('authorization_pending')) return 'pending';
    if (codes.includes('slow_down')) return 'slow_down';
    const details = await refusalDetails(reply);
    if (codes.includes('access_denied'))
      throw new AuthorizationDeniedError({ description: 'The user declined the device login.' });
    if (codes.some((code) => /invalid device code|expired_token/i.test(code)))
      throw new DeviceCodeExpiredError(details);
    if (reply.status === 401 || reply.status === 403 || /invalid client/i.test(details.twitchMessage ?? '')) {
      throw new UnauthorizedError(details);
    }
    throw refusedRequest(details);
  }

  /** Ends the flow: the code is spent whatever the outcome (unless getCode() replaced it meanwhile). */
  #end(pending: PendingCode): void {
    if (this.#pending === pending) this.#pending = undefined;
  }

  /** Waits on the clock, keeping the process alive (someone awaits this); abortable, leaves no timer. */
  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        cancel();
        // Passed on as received, like fetch does: a signal's reason need not be an Error.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(signal?.reason);
      };
      const cancel = this.#clock.setTimer(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
        true,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) onAbort();
    });
  }
}
