import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { refreshAccessToken } from '../../src/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../../src/redis/index.js';
import { DEMO_PUBLIC_APP, startFakeTwitch, type FakeTwitch } from '../../src/testing/index.js';

// The harness of the Redis fault suite: one run = a Redis set-up, a fake Twitch in this process,
// 8 worker processes (a TokenManager each, a public client, concurrent getAccessToken()), a fault
// injected at a chosen moment, and an account of what was lost.

const WORKER = fileURLToPath(new URL('../fixtures/redis-worker.mjs', import.meta.url));

/** How a worker reaches Redis. */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly port: number }
  | { readonly kind: 'sentinel'; readonly sentinels: { host: string; port: number }[]; readonly name: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly { host: string; port: number }[] };

/** The timings of a run: short token lifetimes, so that many refreshes happen in seconds. */
export const RUN_TIMING = {
  /** The fake's user token lifetime: the managers refresh at half of it. */
  tokenSeconds: 6,
  /**
   * Every worker's lockTtlMs: a holder stopped longer than this loses the lock. Long enough that
   * the stalls of a loaded 2-core machine running 8 workers (and other test files) are no fault.
   */
  lockTtlMs: 3000,
  /** How often a lost manager re-reads the store (the engine's minimum). */
  lostRecheckMs: 1000,
} as const;

/** How long a manager may take at the end to serve a token again (lost-rechecks, a refresh or two). */
const SETTLE_MS = 5 * RUN_TIMING.lostRecheckMs + RUN_TIMING.tokenSeconds * 1000;

/** One line of the table of runs. */
export interface RunResult {
  readonly scenario: string;
  readonly setup: string;
  /** Refresh requests at Twitch (the fake), and how many of them Twitch refused. */
  readonly refreshRequests: number;
  readonly refusedRefreshes: number;
  /** Refresh tokens sent to Twitch more than once. */
  readonly spentTwice: number;
  /** `ReauthenticationRequiredError`s the managers declared (onInvalid), and how many managers did. */
  readonly reauthDeclared: number;
  readonly managersDeclaring: number;
  /** Managers (of the processes still running) whose getAccessToken() fails at the end. */
  readonly deadAtEnd: number;
  readonly managersAtEnd: number;
  /** Whether the stored token's refresh token still works at Twitch at the end. */
  readonly storedAlive: boolean;
  /** The stored generation at the start of the fault and at the end. */
  readonly generations: readonly [number, number];
  /** getAccessToken() calls that failed (transiently, while the fault lasted) / all calls. */
  readonly failedCalls: number;
  readonly calls: number;
  readonly seconds: number;
  /** Why a manager died or declared, for the report. */
  readonly notes: readonly string[];
}

interface WorkerState {
  readonly calls: number;
  readonly failedCalls: Record<string, number>;
  readonly invalid: number;
  readonly invalidMessages: readonly string[];
  readonly failures: Record<string, number>;
  readonly failureMessages: readonly string[];
  readonly generation: number | undefined;
}

/** One worker process, driven over IPC. */
export class FaultWorker {
  readonly process: ChildProcess;
  readonly index: number;
  /** Events it sent (`locked`, `confirmed`, `invalid`), in order. */
  readonly events: { readonly event: string; readonly at: number; readonly generation?: number }[] = [];
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Set<(event: string) => void>();

  constructor(child: ChildProcess, index: number) {
    this.process = child;
    this.index = index;
    child.on(
      'message',
      (message: { id?: number; result?: unknown; error?: string; event?: string; generation?: number }) => {
        if (message.event !== undefined) {
          this.events.push({
            event: message.event,
            at: Date.now(),
            ...(message.generation === undefined ? {} : { generation: message.generation }),
          });
          for (const listener of this.#listeners) listener(message.event);
          return;
        }
        const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (waiter === undefined) return;
        this.#pending.delete(message.id ?? -1);
        if (message.error === undefined) waiter.resolve(message.result);
        else waiter.reject(new Error(message.error));
      },
    );
    child.once('exit', () => {
      for (const waiter of this.#pending.values()) waiter.reject(new Error(`worker ${String(index)} exited`));
      this.#pending.clear();
    });
  }

  /** Whether the process still runs. */
  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ id, op, ...args });
    });
  }

  /** Calls `listener` with every event until it returns `false`... or forever. */
  onEvent(listener: (event: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.process.kill(signal);
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGCONT');
    this.process.kill('SIGKILL');
    await exited;
  }
}

/** What a scenario does to a running set-up. */
export interface FaultContext {
  readonly fake: FakeTwitch;
  readonly workers: readonly FaultWorker[];
  /** A store of the test's own on the same Redis (the admin view). */
  readonly store: RedisTokenStore;
  readonly key: string;
  /** The stored generation now (`-1` while Redis cannot tell). */
  generation(): Promise<number>;
  /** Waits until `check()` holds, polling; throws `what` after `timeoutMs`. */
  until(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  /** Waits for the next refresh request at the fake after this call. */
  nextRefreshRequest(timeoutMs?: number): Promise<void>;
  /** The worker that sent `event` first after this call. */
  firstTo(event: 'held' | 'confirmed', timeoutMs?: number): Promise<FaultWorker>;
  /** Notes for the table. */
  note(text: string): void;
  /**
   * Marks the run as one where something is expected to go: `'loss'`, the unavoidable loss (the
   * holder died after Twitch rotated the token, before anything was written): every manager
   * declares re-authentication once, and one new token revives all; `'window'`, the window that
   * remains (the holder stopped after its request reached Twitch, for longer than the lock and the
   * next holder's wait for its answer): the refresh token is spent twice, Twitch refuses the
   * second, and the managers declare re-authentication until the holder comes back and stores the
   * token it got.
   */
  expect(kind: 'loss' | 'window'): void;
}

/** Options of {@link runFault}. */
export interface RunOptions {
  readonly scenario: string;
  readonly setup: string;
  readonly target: RedisTarget;
  /** Extra store options for the workers (e.g. `replicas`). */
  readonly store?: Partial<Omit<RedisTokenStoreOptions, 'redis'>>;
  /** The fault, injected after the first refresh. */
  readonly inject: (context: FaultContext) => Promise<void>;
  /** Refreshes that must be stored after the fault for the run to end. Default: 2. */
  readonly refreshesAfter?: number;
  readonly workers?: number;
}

/** The result of a run, and what it was expected to lose (see {@link FaultContext.expect}). */
export interface RunOutcome {
  readonly result: RunResult;
  readonly expected: 'nothing' | 'loss' | 'window';
}

function clientOf(target: RedisTarget): Redis | Cluster {
  const client =
    target.kind === 'standalone'
      ? new Redis(target.port, '127.0.0.1', { retryStrategy: () => 100, maxRetriesPerRequest: 1 })
      : target.kind === 'sentinel'
        ? new Redis({
            sentinels: target.sentinels,
            name: target.name,
            retryStrategy: () => 100,
            maxRetriesPerRequest: 1,
          })
        : new Cluster([...target.nodes]);
  client.on('error', () => undefined);
  return client;
}

async function startWorker(index: number, config: Record<string, unknown>): Promise<FaultWorker> {
  const child = fork(WORKER, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const worker = new FaultWorker(child, index);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => {
      resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`worker ${String(index)} exited at start (${String(code)})`));
    });
  });
  return worker;
}

/**
 * One run: seeds a token (generation 1), starts the workers, waits for a first refresh, injects
 * the fault, waits for `refreshesAfter` more stored refreshes (or the revival, for the unavoidable
 * loss), lets lost managers re-read the store, then stops everything and counts.
 */
export async function runFault(options: RunOptions): Promise<RunOutcome> {
  const started = Date.now();
  const fake = await startFakeTwitch({ lifetimes: { userTokenSeconds: RUN_TIMING.tokenSeconds } });
  const client = clientOf(options.target);
  const store = new RedisTokenStore({ redis: client, commandTimeoutMs: 1000 });
  const key = 'bot';
  const notes: string[] = [];
  let expected: RunOutcome['expected'] = 'nothing';
  const workers: FaultWorker[] = [];
  const generation = async (): Promise<number> => (await store.read(key).catch(() => undefined))?.generation ?? -1;
  const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${options.scenario}: timed out waiting for ${what}`);
      await sleep(25);
    }
  };
  const refreshRequests = (): readonly { form: Readonly<Record<string, string>> }[] =>
    fake.requestsTo('/token').filter((request) => request.form['grant_type'] === 'refresh_token');
  try {
    const target =
      options.target.kind === 'standalone'
        ? { redis: { host: '127.0.0.1', port: options.target.port } }
        : options.target.kind === 'sentinel'
          ? { redis: { sentinels: options.target.sentinels, name: options.target.name } }
          : { cluster: options.target.nodes };
    const config = {
      ...target,
      key,
      appId: DEMO_PUBLIC_APP.clientId,
      authBaseUrl: fake.authBaseUrl,
      callers: 5,
      callEveryMs: 50,
      store: {
        lockTtlMs: RUN_TIMING.lockTtlMs,
        pollIntervalMs: 100,
        waitTimeoutMs: 30_000,
        ...options.store,
      },
      manager: { lostRecheckMs: RUN_TIMING.lostRecheckMs, refreshJitterMs: 200 },
    };
    workers.push(
      ...(await Promise.all(Array.from({ length: options.workers ?? 8 }, (_, index) => startWorker(index, config)))),
    );
    await Promise.all(workers.map((worker) => worker.call('warm')));
    const seed = fake.issueUserToken({ clientId: DEMO_PUBLIC_APP.clientId, scopes: ['chat:read'] });
    await store.writeIfNewer(key, { token: seed, generation: 1 });
    await Promise.all(workers.map((worker) => worker.call('start')));
    await until(async () => (await generation()) >= 2, 'the first refresh');
    const before = await generation();

    const context: FaultContext = {
      fake,
      workers,
      store,
      key,
      generation,
      until,
      nextRefreshRequest: async (timeoutMs = 20_000) => {
        const seen = refreshRequests().length;
        await until(() => refreshRequests().length > seen, 'a refresh request at the fake', timeoutMs);
      },
      firstTo: (event, timeoutMs = 20_000) =>
        new Promise<FaultWorker>((resolve, reject) => {
          const stops: (() => void)[] = [];
          const timer = setTimeout(() => {
            for (const stop of stops) stop();
            reject(new Error(`${options.scenario}: no worker sent ${event}`));
          }, timeoutMs);
          for (const worker of workers) {
            stops.push(
              worker.onEvent((sent) => {
                if (sent !== event) return;
                clearTimeout(timer);
                for (const stop of stops) stop();
                resolve(worker);
              }),
            );
          }
        }),
      note: (text) => notes.push(text),
      expect: (kind) => {
        expected = kind;
      },
    };
    await options.inject(context);
    const afterFault = Math.max(before, await generation());
    await until(
      async () => (await generation()) >= afterFault + (options.refreshesAfter ?? 2),
      `${String(options.refreshesAfter ?? 2)} refreshes stored after the fault`,
      // A store that lost data is restored with records marked as possibly being sent, which hold
      // the next refresh back for up to 52 s (the longest refresh call of a default manager).
      90_000,
    );
    // A manager is dead when it does not serve a token within a few lost-rechecks and refreshes of
    // the end: lost managers re-read the store every lostRecheckMs, and a transient failure passes.
    const running = workers.filter((worker) => worker.alive);
    const finals = await Promise.all(
      running.map(async (worker) => {
        const deadline = Date.now() + SETTLE_MS;
        for (;;) {
          const final = await worker.call<{ alive: boolean; error?: string }>('final');
          if (final.alive || Date.now() > deadline) return final;
          await sleep(100);
        }
      }),
    );
    const states = await Promise.all(running.map((worker) => worker.call<WorkerState>('state')));
    await Promise.all(running.map((worker) => worker.call('stop').catch(() => undefined)));
    for (const worker of workers) await worker.kill();
    // Every worker's counts, the killed ones' included when they had reported before.
    const stored = await store.read(key).catch(() => undefined);
    const requests = refreshRequests();
    const spends = new Map<string, number>();
    for (const request of requests) {
      const spent = request.form['refresh_token'] ?? '';
      spends.set(spent, (spends.get(spent) ?? 0) + 1);
    }
    let storedAlive = false;
    if (stored !== undefined) {
      storedAlive = await refreshAccessToken(stored.token.refreshToken, DEMO_PUBLIC_APP.clientId, null, {
        authBaseUrl: fake.authBaseUrl,
        retry: 0,
      }).then(
        () => true,
        () => false,
      );
    }
    for (const state of states) for (const message of state.invalidMessages) notes.push(`declared: ${message}`);
    const confirms = new Map<number, number[]>();
    for (const worker of workers) {
      for (const event of worker.events) {
        if (event.generation === undefined) continue;
        confirms.set(event.generation, [...(confirms.get(event.generation) ?? []), worker.index]);
      }
    }
    for (const [confirmed, by] of confirms) {
      if (by.length > 1)
        notes.push(`generation ${String(confirmed)} confirmed for spending by workers ${by.join(', ')}`);
    }
    const failedByName: Record<string, number> = {};
    const reportedByName: Record<string, number> = {};
    for (const state of states) {
      for (const [name, count] of Object.entries(state.failedCalls))
        failedByName[name] = (failedByName[name] ?? 0) + count;
      for (const [name, count] of Object.entries(state.failures))
        reportedByName[name] = (reportedByName[name] ?? 0) + count;
    }
    if (Object.keys(failedByName).length > 0) notes.push(`failed calls: ${JSON.stringify(failedByName)}`);
    if (Object.keys(reportedByName).length > 0) notes.push(`onRefreshFailure: ${JSON.stringify(reportedByName)}`);
    for (const state of states) for (const message of state.failureMessages) notes.push(`failure: ${message}`);
    for (const final of finals) if (!final.alive) notes.push(`dead: ${final.error ?? ''}`);
    const result: RunResult = {
      scenario: options.scenario,
      setup: options.setup,
      refreshRequests: requests.length,
      // The first use of a refresh token works; every further one is refused.
      refusedRefreshes: requests.length - spends.size,
      spentTwice: [...spends.values()].filter((count) => count > 1).length,
      reauthDeclared: states.reduce((sum, state) => sum + state.invalid, 0),
      managersDeclaring: states.filter((state) => state.invalid > 0).length,
      deadAtEnd: finals.filter((final) => !final.alive).length,
      managersAtEnd: finals.length,
      storedAlive,
      generations: [before, stored?.generation ?? -1],
      failedCalls: states.reduce(
        (sum, state) => sum + Object.values(state.failedCalls).reduce((total, count) => total + count, 0),
        0,
      ),
      calls: states.reduce(
        (sum, state) => sum + state.calls + Object.values(state.failedCalls).reduce((total, count) => total + count, 0),
        0,
      ),
      seconds: (Date.now() - started) / 1000,
      notes: [...new Set(notes)],
    };
    return { result, expected };
  } finally {
    for (const worker of workers) await worker.kill();
    await store.close();
    client.disconnect();
    await fake.close();
  }
}

/** The table of runs, for the console and the README. */
export function tableOf(results: readonly RunResult[]): string {
  const rows = results.map((result) => [
    result.scenario,
    result.setup,
    `${String(result.refreshRequests)} (${String(result.refusedRefreshes)} refused)`,
    String(result.spentTwice),
    result.reauthDeclared === 0
      ? '0'
      : `${String(result.reauthDeclared)} (${String(result.managersDeclaring)} managers)`,
    `${String(result.deadAtEnd)}/${String(result.managersAtEnd)}`,
    result.storedAlive ? 'yes' : '**no**',
    `${String(result.generations[0])} → ${String(result.generations[1])}`,
    `${String(result.failedCalls)}/${String(result.calls)}`,
    result.seconds.toFixed(1),
  ]);
  const header = [
    'fault',
    'set-up',
    'refresh requests',
    'refresh tokens spent twice',
    're-authentication declared',
    'dead managers at the end',
    'stored token alive at the end',
    'generation',
    'failed getAccessToken()',
    's',
  ];
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}
