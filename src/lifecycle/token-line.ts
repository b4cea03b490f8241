import { InvalidRefreshTokenError } from '../errors/invalid-refresh-token-error.js';
import { MissingScopeError } from '../errors/missing-scope-error.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';
import { UnauthorizedError } from '../errors/unauthorized-error.js';
import { prepareRefresh, refreshAccessToken } from '../helpers/refresh-access-token.js';
import { validateToken, type TokenValidation, type ValidTokenInfo } from '../helpers/validate-token.js';
import type { HttpOptions } from '../http/options.js';
import type { Clock } from '../manager/clock.js';
import type { SendingMark, TokenLease, TokenRecord, TokenStore } from '../store/token-store.js';
import { UserToken } from '../tokens/user-token.js';
import type { Scheduler, ScheduledTask } from './scheduler.js';
import { claimOf, dueAt, heldRecord, nextState, tokenInUse, type TokenEvent, type TokenState } from './token-engine.js';
import { recordToWrite, restoredRecord, sameToken, storedWins } from './token-record.js';
import {
  failureWaitMs,
  rateLimitWaitMs,
  refreshDeadline,
  MAX_SEND_WAIT_MS,
  refreshCallLimitMs,
  SPEND_POLL_MS,
  type TokenTiming,
} from './token-timing.js';

/** What a line reports; a `TokenManager` or `TokenPool` turns it into its callbacks. @internal */
export interface LineEvents {
  /** A new token is in use, and stored. */
  refreshed(line: TokenLine, token: UserToken): void;
  /** A failure that may pass; the token in use stays. */
  failed(line: TokenLine, error: unknown): void;
  /** The login is lost (once per loss). */
  lost(line: TokenLine, error: ReauthenticationRequiredError): void;
  /** Validation found scopes the token had but no longer carries. */
  missingScopes(line: TokenLine, error: MissingScopeError): void;
  /** A validation succeeded. */
  validated(line: TokenLine, info: ValidTokenInfo): void;
}

/** What every line of a manager or pool shares (one object, however many lines). @internal */
export interface LineSettings {
  /** The app's client id. */
  readonly appId: string;
  /** The app's secret; `undefined` for a public client. */
  readonly appSecret: string | undefined;
  /** Where the records live. */
  readonly store: TokenStore;
  /** How Twitch is called. */
  readonly http: HttpOptions;
  /** The time source; timers come from the scheduler. */
  readonly clock: Clock;
  /** Refresh times, backoff, re-reads. */
  readonly timing: TokenTiming;
  /** Validate this often. */
  readonly validateIntervalMs: number;
  /** The one scheduler of the manager or pool. */
  readonly scheduler: Scheduler;
  /** Where the lines report. */
  readonly events: LineEvents;
  /**
   * Who this manager or pool is in the records' spend marks (random per instance): a mark of its
   * own is no reason to wait, anyone else's is.
   */
  readonly spender: string;
}

type Operation = 'load' | 'save' | 'refresh';

/** What a refresh run ended with: the token in use, and whether it deferred to another holder's answer. */
interface RefreshOutcome {
  readonly token: UserToken;
  readonly deferred: boolean;
}

const ignore = (): undefined => undefined;

/**
 * Drives one key's {@link TokenState}: performs the store and Twitch calls each state asks for,
 * feeds what happened back as events, and runs the refresh protocol:
 *
 * lock → read → adopt a newer stored generation, or restore ours if the store lacks it → wait
 * (bounded) while the record is marked as being sent by someone else → `lease.confirm(generation)`,
 * which marks it as sent by us, right before spending → refresh at Twitch → `writeIfNewer(generation + 1)`
 * → release. A refused refresh token re-reads the store before anything is declared lost, and
 * marks the record refused, so that the other processes report the loss without sending it again.
 *
 * Why the wait: a lease can lapse while its holder's request is already at Twitch (the holder
 * stopped, or a store restart lost the lock), and the next holder cannot tell from the lock alone.
 * The record can: `sending` by another until `until` means "its answer may still come" (`until` is
 * the sender's confirm time plus the longest its refresh call and write can take, see
 * `refreshCallLimitMs`), so the next holder reads the record again until the newer generation
 * appears or `until` passes, and only then spends the token itself. A record restored over a store
 * that lost it is marked the same way, since its lock was lost with it. A mark past its deadline (a
 * holder that died or failed a while ago) delays nobody; a recent failed attempt's mark delays the
 * others until its deadline, since the store cannot tell a failed attempt from one in flight.
 *
 * The window that remains: a process that stalls after `confirm` and before Twitch receives the
 * request for longer than its lock and its mark can see another process spend the same refresh
 * token; Twitch refuses one, and the refused side re-reads the store (a line that found nothing
 * newer revives when the late writer stores its token: lost lines re-read every `lostRecheckMs`).
 * Marks compare times of different hosts: a skewed clock shortens or lengthens a wait (capped at
 * `MAX_SEND_WAIT_MS`), never more. The generation check still keeps the store from rolling back. @internal
 */
export class TokenLine implements ScheduledTask {
  /** The store key. */
  readonly key: string;
  /** `getAccessToken()` may return {@link hotAccessToken} with no I/O before this time. */
  hotUntil = Number.NEGATIVE_INFINITY;
  /** The access token in use, for the hot path. */
  hotAccessToken = '';
  readonly #settings: LineSettings;
  #state: TokenState = { name: 'empty' };
  /** The token last reported (or first held): `refreshed` fires when a stored token replaces it. */
  #announced: UserToken | undefined;
  #operation: { readonly kind: Operation; readonly promise: Promise<unknown> } | undefined;
  #validating: Promise<TokenValidation> | undefined;
  #scheduled: Promise<void> | undefined;
  #active = false;
  #validateAt = Number.POSITIVE_INFINITY;
  /** The interval after the next successful validation, when it differs (a pool spreads them). */
  #firstIntervalMs: number | undefined;
  #validationFailures = 0;
  /** Whether the refresh run in flight (one per line) deferred instead of refreshing. */
  #deferredRun = false;

  /** @param seed - A token given by the caller, whose lineage the store decides (see `Claim`). */
  constructor(key: string, settings: LineSettings, seed?: UserToken) {
    this.key = key;
    this.#settings = settings;
    if (seed !== undefined) {
      this.#announced = seed;
      this.#apply({ type: 'given', token: seed, claim: 'seed' });
    }
  }

  /** The state, for tests and views. */
  get state(): TokenState {
    return this.#state;
  }

  /** The token in use; `undefined` before the first load and while lost. */
  get token(): UserToken | undefined {
    return tokenInUse(this.#state);
  }

  /** The stored generation of the token in use; `undefined` until the store has it. */
  get generation(): number | undefined {
    const claim = claimOf(this.#state);
    return claim === 'seed' || claim === 'login' ? undefined : heldRecord(this.#state)?.generation;
  }

  /** Between `start()` and `stop()`. */
  get active(): boolean {
    return this.#active;
  }

  /** Between `start()` and `stop()`, and not lost. */
  get running(): boolean {
    return this.#active && this.#state.name !== 'lost';
  }

  /** The permanent failure, while lost. */
  get failure(): ReauthenticationRequiredError | undefined {
    return this.#state.name === 'lost' ? this.#state.error : undefined;
  }

  /**
   * Lets the scheduler run this line: validation at `validateAt`, then every interval (the first
   * one `firstIntervalMs` after it, when given), refreshes before expiry.
   */
  start(validateAt: number, firstIntervalMs?: number): void {
    this.#active = true;
    this.#validateAt = validateAt;
    this.#firstIntervalMs = firstIntervalMs;
    this.#settings.scheduler.update(this);
  }

  /** Takes the line off the scheduler; work in flight finishes (see {@link settled}). */
  stop(): void {
    this.#active = false;
    this.#settings.scheduler.update(this);
  }

  /** Resolves when no operation, validation or scheduled run of this line is in flight. */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [this.#operation?.promise, this.#validating, this.#scheduled];
      await Promise.all(pending.map((work) => work?.catch(ignore) ?? Promise.resolve()));
      if (
        pending[0] === this.#operation?.promise &&
        pending[1] === this.#validating &&
        pending[2] === this.#scheduled
      ) {
        return;
      }
    }
  }

  /** The token in use, loaded from the store first if needed. @throws the lost login's error. */
  async current(): Promise<UserToken> {
    const state = this.#state;
    const now = this.#settings.clock.now();
    if (
      state.name === 'empty' ||
      (state.name === 'backing-off' && state.record === undefined && now >= state.retryAt)
    ) {
      await this.#exclusive('load', () => this.#load());
    } else if (state.name === 'lost' && now >= state.recheckAt) {
      await this.#exclusive('load', () => this.#load()).catch(ignore);
    }
    const after = this.#state;
    const token = tokenInUse(after);
    if (token !== undefined) return token;
    throw after.name === 'lost' || after.name === 'backing-off' ? after.error : this.#noToken();
  }

  /** A token to use now: refreshed first when due, unless backing off (then the still-valid one). */
  async usableToken(): Promise<UserToken> {
    const token = await this.current();
    const { clock, timing, scheduler } = this.#settings;
    const now = clock.now();
    if (now < refreshDeadline(token, timing)) return token;
    const state = this.#state;
    // Deferred past the deadline while another holder's answer may still come: no I/O per call.
    if (state.name === 'fresh' && now < state.refreshAt && !token.isExpired(0, now)) return token;
    const backingOff = (state.name === 'backing-off' || state.name === 'unsaved') && state.failures > 0;
    if (now < scheduler.pausedUntil || (backingOff && now < state.retryAt)) {
      // Callers must not hammer Twitch during an outage or a rate limit.
      if (!token.isExpired(0, now)) return token;
      throw backingOff ? state.error : scheduler.pauseError;
    }
    try {
      return await this.#refreshOnce(token.accessToken, token.isExpired(0, now));
    } catch (error) {
      if (this.#state.name !== 'lost' && !token.isExpired(0, clock.now())) return token;
      throw error;
    }
  }

  /** Refreshes now unless the token in use is no longer `rejectedAccessToken`. */
  async refresh(rejectedAccessToken?: string): Promise<UserToken> {
    const token = await this.current();
    if (rejectedAccessToken !== undefined && rejectedAccessToken !== token.accessToken) return token;
    return this.#refreshOnce(token.accessToken, true);
  }

  /** Validates now; a 401 refreshes. Joins a validation in flight. */
  validate(): Promise<TokenValidation> {
    this.#validating ??= this.#validateNow().finally(() => {
      this.#validating = undefined;
    });
    return this.#validating;
  }

  /** Writes a token the store lacks (given, or whose write failed); at once when there is none. */
  async flush(): Promise<void> {
    if (claimOf(this.#state) === undefined) return;
    await this.#exclusive('save', () => this.#save());
  }

  /** Replaces the token after a new login: it outranks whatever the store holds, and revives a lost line. */
  async setToken(token: UserToken): Promise<void> {
    this.#announced = token;
    this.#validateAt = this.#settings.clock.now();
    this.#apply({ type: 'given', token, claim: 'login' });
    await this.flush();
  }

  /** See {@link ScheduledTask.nextDueAt}. */
  nextDueAt(): number | undefined {
    if (!this.#active) return undefined;
    const due = dueAt(this.#state);
    if (due === undefined || tokenInUse(this.#state) === undefined) return due;
    return Math.min(due, this.#validateAt);
  }

  /** See {@link ScheduledTask.run}: does what is due; every failure is reported where it happens. */
  run(): Promise<void> {
    this.#scheduled = this.#runDue().catch(ignore);
    return this.#scheduled;
  }

  async #runDue(): Promise<void> {
    const { clock } = this.#settings;
    let state = this.#state;
    if (state.name === 'lost' || tokenInUse(state) === undefined) {
      if (clock.now() >= (dueAt(state) ?? Number.POSITIVE_INFINITY)) await this.current().catch(ignore);
      if (tokenInUse(this.#state) === undefined) return;
    }
    state = this.#state;
    if (state.name === 'unsaved' && clock.now() >= state.retryAt && clock.now() < state.refreshAt) {
      await this.flush().catch(ignore);
    }
    state = this.#state;
    const token = tokenInUse(state);
    if (token !== undefined && this.#refreshDue(state, clock.now())) {
      await this.#refreshOnce(token.accessToken, token.isExpired(0, clock.now())).catch(ignore);
    }
    if (this.#active && tokenInUse(this.#state) !== undefined && clock.now() >= this.#validateAt) {
      const info = await this.validate().catch(ignore);
      if (info?.valid === true) await this.#compareWithStore();
    }
  }

  #refreshDue(state: TokenState, now: number): boolean {
    switch (state.name) {
      case 'fresh':
        return now >= state.refreshAt;
      case 'unsaved':
        return now >= state.refreshAt && now >= state.retryAt;
      case 'backing-off':
        return state.record !== undefined && now >= state.retryAt;
      default:
        return false;
    }
  }

  /** One operation at a time: the same kind joins the one in flight, another kind waits for it. */
  #exclusive<T>(kind: Operation, work: () => Promise<T>): Promise<T> {
    const current = this.#operation;
    if (current?.kind === kind) return current.promise as Promise<T>;
    const promise = (current === undefined ? work() : current.promise.catch(ignore).then(work)).finally(() => {
      if (this.#operation?.promise === promise) this.#operation = undefined;
    });
    this.#operation = { kind, promise };
    return promise;
  }

  /**
   * One refresh at a time. `urgent`: the caller cannot use the token in use (expired, or rejected),
   * so it waits for another holder's answer; otherwise the refresh is deferred to that answer's
   * deadline and the token in use is returned.
   */
  async #refreshOnce(staleAccessToken: string, urgent: boolean): Promise<UserToken> {
    const outcome = await this.#exclusive('refresh', () => this.#refreshUnderLock(staleAccessToken, urgent));
    // Joined a refresh that was deferred: this caller needs a new token now.
    if (urgent && outcome.deferred) {
      return (await this.#exclusive('refresh', () => this.#refreshUnderLock(staleAccessToken, true))).token;
    }
    return outcome.token;
  }

  async #load(): Promise<void> {
    let stored: TokenRecord | undefined;
    try {
      stored = await this.#settings.store.read(this.key);
    } catch (error) {
      this.#failed(error);
      throw error;
    }
    if (stored !== undefined) this.#apply({ type: 'stored', record: stored });
    else if (this.#state.name !== 'lost') this.#lose(this.#noToken());
  }

  async #save(): Promise<void> {
    const { store } = this.#settings;
    for (let attempt = 1; ; attempt++) {
      const held = heldRecord(this.#state);
      const claim = claimOf(this.#state);
      if (held === undefined || claim === undefined) return;
      try {
        const stored = claim === 'refreshed' ? undefined : await store.read(this.key);
        if (stored !== undefined && storedWins(stored, held, claim)) {
          this.#apply({ type: 'stored', record: stored });
          return;
        }
        const outcome = await store.writeIfNewer(this.key, recordToWrite(held, claim, stored));
        this.#apply({ type: 'stored', record: outcome.current });
      } catch (error) {
        this.#apply({ type: 'unsaved', record: held, claim, error });
        this.#report(error);
        throw error;
      }
      if (claimOf(this.#state) === undefined) return;
      if (attempt === 3) {
        // Other writers took each generation first: try again later rather than race on.
        const error = new TokenStoreUnavailableError(
          `Other writers kept replacing the token under "${this.key}"; it is written again shortly.`,
        );
        this.#apply({ type: 'unsaved', record: held, claim, error });
        this.#report(error);
        throw error;
      }
    }
  }

  async #refreshUnderLock(staleAccessToken: string, urgent: boolean): Promise<RefreshOutcome> {
    this.#apply({ type: 'refresh-started' });
    try {
      const lease = await this.#settings.store.lock(this.key);
      try {
        this.#deferredRun = false;
        const token = await this.#refreshWith(lease, staleAccessToken, urgent);
        return { token, deferred: this.#deferredRun };
      } finally {
        await lease.release().catch(ignore);
      }
    } catch (error) {
      this.#failed(error);
      throw this.failure ?? error;
    } finally {
      this.#apply({ type: 'refresh-ended' });
    }
  }

  /** The protocol, holding the lease. Resolves with the token in use afterwards. */
  async #refreshWith(lease: TokenLease, staleAccessToken: string, urgent: boolean): Promise<UserToken> {
    const { store, clock, appId, appSecret, http, spender } = this.#settings;
    const waitCap = clock.now() + MAX_SEND_WAIT_MS;
    let spend: TokenRecord;
    for (;;) {
      const next = await this.#recordToSpend(staleAccessToken);
      if (next instanceof UserToken) return next;
      spend = next;
      const mark = spend.spend;
      if (mark?.state === 'refused' && (mark.appId === undefined || mark.appId === appId)) {
        throw this.#refusedElsewhere();
      }
      // Another holder sent this refresh token (our lease may exist only because its lapsed), or the
      // store lost its lock with the data: wait for its answer until it is due, rather than spend the
      // token twice. Our own mark is an attempt that has ended.
      // A deadline that is not a whole number (a custom store's garbage) counts as due.
      const due = mark?.state === 'sending' && mark.by !== spender && Number.isSafeInteger(mark.until);
      const waitUntil = due ? Math.min(mark.until, waitCap) : 0;
      const now = clock.now();
      if (now >= waitUntil) break;
      const inUse = this.#state.name === 'refreshing' ? this.#state.from : this.#state;
      if (!urgent && inUse.name === 'fresh') {
        // Nobody needs a new token yet: give the lock (and a pool's slot) back, keep the token in use,
        // and come back when the answer is due; adopting it then costs one read.
        this.#apply({ type: 'deferred', until: waitUntil });
        this.#deferredRun = true;
        return spend.token;
      }
      await this.#sleep(Math.max(1, Math.min(SPEND_POLL_MS, waitUntil - now)));
    }
    // Loaded before the check, not after: on a cold first refresh, module loading between confirm
    // and the request would widen the window in which a lapsed lease lets another process spend.
    await prepareRefresh(http);
    if (!(await lease.confirm(spend.generation, this.#sendingMark()))) return this.#notConfirmed(spend);
    const requestedAt = clock.now(); // the lifetime counts on this line's clock, from the request
    let fresh: UserToken;
    try {
      fresh = await refreshAccessToken(spend.token.refreshToken, appId, appSecret, http);
    } catch (error) {
      if (error instanceof InvalidRefreshTokenError) return this.#refused(lease, spend, error);
      throw error;
    }
    const record = {
      token: new UserToken({ ...fresh.toJSON(), obtainedAt: requestedAt }),
      generation: spend.generation + 1,
    };
    try {
      const outcome = await store.writeIfNewer(this.key, record);
      this.#apply({ type: 'stored', record: outcome.current });
    } catch (error) {
      // Twitch already rotated the token: keep it, use it, and write it (never blindly) later.
      this.#apply({ type: 'unsaved', record, claim: 'refreshed', error });
      this.#report(error);
    }
    return tokenInUse(this.#state) ?? record.token;
  }

  /**
   * Under the lease: the stored record to spend, after adopting a newer stored generation or
   * restoring ours over a store that lacks it; or the token to use when no refresh is needed any more.
   */
  async #recordToSpend(staleAccessToken: string): Promise<TokenRecord | UserToken> {
    const { store, spender } = this.#settings;
    const stored = await store.read(this.key);
    const held = heldRecord(this.#state);
    const claim = claimOf(this.#state);
    if (held === undefined || (stored !== undefined && storedWins(stored, held, claim))) {
      if (stored === undefined) throw this.#noToken();
      this.#apply({ type: 'stored', record: stored }); // another process moved on: adopt its token
      return this.#needsRefresh(stored.token, staleAccessToken) ? stored : stored.token;
    }
    // The same record (storedWins settled the rest): the stored copy, which carries the spend mark.
    if (claim === undefined && stored !== undefined && stored.generation >= held.generation) return stored;
    // The store lacks what we hold (a given token, a failed write, a store that lost data): restore it
    // first, so that the generation about to be spent is always the stored one.
    const record =
      claim === undefined
        ? restoredRecord(held, spender, this.#sendingMark().until)
        : recordToWrite(held, claim, stored);
    const outcome = await store.writeIfNewer(this.key, record);
    this.#apply({ type: 'stored', record: outcome.current });
    if (claimOf(this.#state) !== undefined) {
      throw new TokenStoreUnavailableError(`Another writer replaced the token under "${this.key}" meanwhile.`);
    }
    return this.#needsRefresh(outcome.current.token, staleAccessToken) ? outcome.current : outcome.current.token;
  }

  /** This line's mark for a refresh it confirms now: its answer is stored by `until`, or never. */
  #sendingMark(): SendingMark {
    const { spender, clock, http } = this.#settings;
    return { state: 'sending', by: spender, until: clock.now() + refreshCallLimitMs(http) };
  }

  #sleep(ms: number): Promise<void> {
    // Kept alive: a caller awaits this refresh, and the wait is bounded.
    return new Promise((resolve) => this.#settings.clock.setTimer(resolve, ms, true));
  }

  #needsRefresh(token: UserToken, staleAccessToken: string): boolean {
    return (
      token.accessToken === staleAccessToken ||
      this.#settings.clock.now() >= refreshDeadline(token, this.#settings.timing)
    );
  }

  /** The lease lapsed, or the store moved on, between reading and spending: spend nothing. */
  async #notConfirmed(spend: TokenRecord): Promise<UserToken> {
    const latest = await this.#settings.store.read(this.key);
    if (latest !== undefined && storedWins(latest, spend)) {
      this.#apply({ type: 'stored', record: latest });
      return latest.token;
    }
    throw new TokenStoreUnavailableError(
      `The refresh lock of "${this.key}" lapsed before the refresh token was spent; nothing was spent, and ` +
        'the refresh is tried again shortly.',
    );
  }

  /**
   * Twitch refused the refresh token: lost only if the store holds nothing newer; then the record
   * says so, and the other processes report the loss without sending the token again.
   */
  async #refused(lease: TokenLease, spent: TokenRecord, error: InvalidRefreshTokenError): Promise<UserToken> {
    const latest = await this.#settings.store.read(this.key);
    if (latest !== undefined && storedWins(latest, spent)) {
      this.#apply({ type: 'stored', record: latest });
      return latest.token;
    }
    // Best effort, also for a custom store written before markRefused existed.
    await Promise.resolve()
      .then(() => lease.markRefused(spent.generation, this.#settings.appId))
      .catch(ignore);
    throw new ReauthenticationRequiredError(
      'Twitch refused the refresh token (revoked, expired or already used), and the token store holds no newer one.',
      error,
    );
  }

  /** The stored record says Twitch refused its refresh token, and nothing newer is stored. */
  #refusedElsewhere(): ReauthenticationRequiredError {
    return new ReauthenticationRequiredError(
      'Twitch refused the refresh token (revoked, expired or already used) when another process sent it, and the ' +
        'token store holds no newer one.',
    );
  }

  async #validateNow(): Promise<TokenValidation> {
    const token = await this.current();
    const { clock, appId, http, events, validateIntervalMs } = this.#settings;
    let info: TokenValidation;
    try {
      info = await validateToken(token.accessToken, http);
    } catch (error) {
      this.#validationFailures += 1;
      this.#setValidateAt(clock.now() + failureWaitMs(this.#validationFailures, error, this.#settings.timing));
      this.#pauseFor(error);
      this.#report(error);
      throw error;
    }
    this.#validationFailures = 0;
    this.#setValidateAt(clock.now() + (this.#firstIntervalMs ?? validateIntervalMs));
    this.#firstIntervalMs = undefined;
    if (!info.valid) {
      await this.#refreshOnce(token.accessToken, true);
      return info;
    }
    if (info.clientId !== appId) {
      await this.#loseUnlessStoreMovedOn(
        token,
        new ReauthenticationRequiredError(
          `the token was issued to the app ${info.clientId}, not to ${appId}, so this app cannot refresh it.`,
        ),
      );
      return info;
    }
    const missing = token.scopes.filter((scope) => !info.scopes.includes(scope));
    if (missing.length > 0) events.missingScopes(this, new MissingScopeError(missing));
    events.validated(this, info);
    return info;
  }

  /** Hourly, after validation: adopt a newer stored token, or restore ours over a store that lost data. */
  async #compareWithStore(): Promise<void> {
    const held = heldRecord(this.#state);
    if (this.#state.name !== 'fresh' || held === undefined) return;
    try {
      const stored = await this.#settings.store.read(this.key);
      if (stored !== undefined && storedWins(stored, held)) this.#apply({ type: 'stored', record: stored });
      else if (stored === undefined || stored.generation < held.generation) {
        const outcome = await this.#settings.store.writeIfNewer(
          this.key,
          restoredRecord(held, this.#settings.spender, this.#sendingMark().until),
        );
        this.#apply({ type: 'stored', record: outcome.current });
      }
    } catch (error) {
      this.#report(error);
    }
  }

  async #loseUnlessStoreMovedOn(token: UserToken, error: ReauthenticationRequiredError): Promise<void> {
    const held = heldRecord(this.#state);
    const latest = await this.#settings.store.read(this.key).catch(ignore);
    if (latest !== undefined && held !== undefined && !sameToken(latest.token, token) && storedWins(latest, held)) {
      this.#apply({ type: 'stored', record: latest });
    } else {
      this.#lose(error);
    }
  }

  #failed(error: unknown): void {
    if (error instanceof ReauthenticationRequiredError) this.#lose(error);
    else if (error instanceof UnauthorizedError) {
      this.#lose(
        new ReauthenticationRequiredError(
          "Twitch refused the app's credentials; check the client id and secret.",
          error,
        ),
      );
    } else {
      this.#apply({ type: 'failed', error });
      this.#pauseFor(error);
      this.#report(error);
    }
  }

  #lose(error: ReauthenticationRequiredError): void {
    if (this.#state.name === 'lost') return;
    this.#apply({ type: 'lost', error });
  }

  #noToken(): ReauthenticationRequiredError {
    return new ReauthenticationRequiredError(`the store holds no token under the key "${this.key}".`);
  }

  #pauseFor(error: unknown): void {
    const wait = rateLimitWaitMs(error);
    if (wait !== undefined) this.#settings.scheduler.pause(this.#settings.clock.now() + wait, error);
  }

  #report(error: unknown): void {
    this.#settings.events.failed(this, error);
  }

  #setValidateAt(at: number): void {
    this.#validateAt = at;
    this.#settings.scheduler.update(this);
  }

  /** Moves the state; keeps the hot path's cache, the events and the scheduler in step. */
  #apply(event: TokenEvent): void {
    const { clock, timing, events, scheduler } = this.#settings;
    const before = this.#state;
    const after = nextState(before, event, clock.now(), timing);
    if (after === before) return;
    this.#state = after;
    const token = tokenInUse(after);
    this.hotUntil = token === undefined ? Number.NEGATIVE_INFINITY : refreshDeadline(token, timing);
    this.hotAccessToken = token?.accessToken ?? '';
    if (after.name === 'lost') {
      if (before.name !== 'lost') events.lost(this, after.error);
    } else if (before.name === 'lost' && token !== undefined) {
      this.#validateAt = clock.now(); // revived by a token from elsewhere: check it at once
    }
    const stored = after.name === 'fresh' ? after.record.token : undefined;
    if (stored !== undefined) {
      const announced = this.#announced;
      this.#announced = stored;
      if (announced !== undefined && !sameToken(announced, stored)) events.refreshed(this, stored);
    }
    scheduler.update(this);
  }
}
