import { describe, expect, it } from 'vitest';
import { TwitchRateLimitError } from '../src/index.js';
import { MAX_WAKE_MS, Scheduler, type ScheduledTask } from '../src/lifecycle/scheduler.js';
import { ManualClock } from '../src/testing/index.js';

const T0 = 1_795_000_000_000;

/** A task due at `due` (mutable), recording when it ran and how many ran at once. */
class Probe implements ScheduledTask {
  due: number | undefined;
  readonly runs: number[] = [];
  readonly #clock: ManualClock;
  readonly #shared: { inFlight: number; most: number };
  readonly #after: (probe: Probe) => void;

  constructor(
    clock: ManualClock,
    due: number | undefined,
    shared = { inFlight: 0, most: 0 },
    after = (_: Probe): void => undefined,
  ) {
    this.#clock = clock;
    this.due = due;
    this.#shared = shared;
    this.#after = after;
  }

  nextDueAt(): number | undefined {
    return this.due;
  }

  async run(): Promise<void> {
    this.runs.push(this.#clock.now());
    this.#shared.inFlight += 1;
    this.#shared.most = Math.max(this.#shared.most, this.#shared.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.#shared.inFlight -= 1;
    this.due = undefined;
    this.#after(this);
  }
}

describe('Scheduler', () => {
  it('runs many tasks from ONE timer, in due order, at their due times', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler(clock, 4);
    const probes = [5000, 1000, 3000, 2000, 4000].map((offset) => new Probe(clock, T0 + offset));
    for (const probe of probes) scheduler.update(probe);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10_000, () => scheduler.settled());
    expect(probes.map((probe) => probe.runs)).toEqual([
      [T0 + 5000],
      [T0 + 1000],
      [T0 + 3000],
      [T0 + 2000],
      [T0 + 4000],
    ]);
    expect(clock.pendingTimers).toBe(0); // nothing queued: no timer at all
  });

  it('keeps at most `concurrency` runs in flight', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler(clock, 3);
    const shared = { inFlight: 0, most: 0 };
    const probes = Array.from({ length: 20 }, () => new Probe(clock, T0, shared));
    for (const probe of probes) scheduler.update(probe);
    await scheduler.settled();
    expect(probes.every((probe) => probe.runs.length === 1)).toBe(true);
    expect(shared.most).toBe(3);
  });

  it('never arms its timer for more than a minute, whatever the due time (no 2^31-1 overflow)', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler(clock, 1);
    const far = new Probe(clock, T0 + 10 ** 12);
    scheduler.update(far);
    expect(clock.nextTimerAt).toBe(T0 + MAX_WAKE_MS);
    await clock.advance(MAX_WAKE_MS);
    expect(clock.nextTimerAt).toBe(T0 + 2 * MAX_WAKE_MS); // woke, found nothing due, re-armed a minute on
    expect(far.runs).toEqual([]);
  });

  it('never runs a task twice within a second, even one that is always due (no tight loop)', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler(clock, 1);
    const eager = new Probe(clock, T0, undefined, (probe) => {
      probe.due = clock.now(); // always due again at once
    });
    scheduler.update(eager);
    await scheduler.settled();
    await clock.advance(10_000, () => scheduler.settled());
    expect(eager.runs.length).toBeLessThanOrEqual(11);
    expect(eager.runs.length).toBeGreaterThanOrEqual(10);
    for (let index = 1; index < eager.runs.length; index++) {
      expect((eager.runs[index] ?? 0) - (eager.runs[index - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('pauses everything until a 429 wait ends, limited calls included', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler(clock, 4);
    const error = new TwitchRateLimitError({ attempts: 1, status: 429, retryAfterMs: 30_000 });
    scheduler.pause(T0 + 30_000, error);
    expect(scheduler.pausedUntil).toBe(T0 + 30_000);
    expect(scheduler.pauseError).toBe(error);
    const probe = new Probe(clock, T0);
    scheduler.update(probe);
    let limitedAt: number | undefined;
    const limited = scheduler.limit(() => {
      limitedAt = clock.now();
      return Promise.resolve('done');
    });
    await clock.advance(29_999, () => scheduler.settled());
    expect(probe.runs).toEqual([]);
    expect(limitedAt).toBeUndefined();
    await clock.advance(1, () => scheduler.settled());
    expect(await limited).toBe('done');
    expect(limitedAt).toBe(T0 + 30_000);
    expect(probe.runs).toEqual([T0 + 30_000]);
  });

  it('serves callers waiting in limit() before queued tasks when a slot frees', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler(clock, 1);
    const order: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = scheduler.limit(async () => {
      await gate;
      order.push('first');
    });
    scheduler.update(new Probe(clock, T0, undefined, () => order.push('task')));
    const second = scheduler.limit(() => {
      order.push('second');
      return Promise.resolve();
    });
    release();
    await Promise.all([first, second]);
    await scheduler.settled();
    expect(order).toEqual(['first', 'second', 'task']);
  });
});
