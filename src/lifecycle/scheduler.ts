import type { Clock } from '../manager/clock.js';
import { DueQueue, type DueEntry } from './due-queue.js';

/** Something the {@link Scheduler} runs when it falls due: a token line. @internal */
export interface ScheduledTask {
  /** When it next needs to run, in epoch ms; `undefined` for not until told again. */
  nextDueAt(): number | undefined;
  /** Does what is due. Must not reject: failures are the task's to report. */
  run(): Promise<void>;
}

interface TaskEntry extends DueEntry<ScheduledTask> {
  running: boolean;
  startedAt: number;
}

/** The scheduler wakes at least this often: a machine waking from sleep catches up within a minute. */
export const MAX_WAKE_MS = 60_000;
/** No task runs twice within this: no tight loop, whatever a task's due time says. */
export const MIN_TASK_GAP_MS = 1000;

/**
 * One timer for any number of token lines (one per process or pool): a priority queue of due
 * times, at most `concurrency` runs in flight, and a global pause when Twitch answers 429.
 *
 * The timer is never armed for longer than {@link MAX_WAKE_MS} (so never near Node's 2^31-1 ms
 * limit), never keeps the process alive, and is not armed at all when nothing is queued. @internal
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #concurrency: number;
  readonly #queue = new DueQueue<ScheduledTask>();
  readonly #entries = new WeakMap<ScheduledTask, TaskEntry>();
  readonly #waiters: (() => void)[] = [];
  readonly #work = new Set<Promise<void>>();
  #inFlight = 0;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #pauseError: unknown;
  #cancelTimer: (() => void) | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #pumping = false;
  #pumpAgain = false;

  /**
   * @param clock - The time source and timer.
   * @param concurrency - How many runs (and {@link limit}ed calls) may be in flight at once.
   */
  constructor(clock: Clock, concurrency: number) {
    this.#clock = clock;
    this.#concurrency = concurrency;
  }

  /** Until when a 429 paused everything, in epoch ms (in the past when not paused). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** The rate-limit error that caused the current pause. */
  get pauseError(): unknown {
    return this.#pauseError;
  }

  /** How many runs and limited calls are in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Queues `task` at its {@link ScheduledTask.nextDueAt} (or removes it); a task that runs is queued again when it ends. */
  update(task: ScheduledTask): void {
    let entry = this.#entries.get(task);
    if (entry === undefined) {
      entry = { item: task, at: 0, order: 0, index: -1, running: false, startedAt: Number.NEGATIVE_INFINITY };
      this.#entries.set(task, entry);
    }
    if (entry.running) return;
    const at = task.nextDueAt();
    if (at === undefined) this.#queue.delete(entry);
    else this.#queue.set(entry, Math.max(at, entry.startedAt + MIN_TASK_GAP_MS));
    this.#pump();
  }

  /** Forgets every queued task (runs in flight finish). */
  clear(): void {
    this.#queue.clear();
    this.#arm();
  }

  /** Starts nothing new before `until` (epoch ms): Twitch answered 429 and asked to wait. */
  pause(until: number, error: unknown): void {
    if (until <= this.#pausedUntil) return;
    this.#pausedUntil = until;
    this.#pauseError = error;
    this.#arm();
  }

  /** Runs `work` once a slot is free and no pause holds, counting it as in flight. */
  async limit<T>(work: () => Promise<T>): Promise<T> {
    await this.#slot();
    const result = work();
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    this.#work.add(done);
    try {
      return await result;
    } finally {
      this.#work.delete(done);
      this.#inFlight -= 1;
      this.#pump();
    }
  }

  /** Resolves when no run or limited call is in flight. */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all(this.#work);
  }

  #slot(): Promise<void> {
    if (this.#inFlight < this.#concurrency && this.#waiters.length === 0 && !this.#paused()) {
      this.#inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiters.push(() => {
        this.#inFlight += 1;
        resolve();
      });
      this.#arm();
    });
  }

  #paused(): boolean {
    return this.#clock.now() < this.#pausedUntil;
  }

  /** Starts what is due, callers waiting for a slot first. Re-entrant calls fold into the running one. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      let again = true;
      while (again) {
        this.#pumpAgain = false;
        this.#startDue();
        again = this.#consumePumpAgain();
      }
    } finally {
      this.#pumping = false;
      this.#arm();
    }
  }

  #startDue(): void {
    if (this.#paused()) return;
    while (this.#inFlight < this.#concurrency) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) break;
      waiter();
    }
    const now = this.#clock.now();
    while (this.#inFlight < this.#concurrency) {
      const head = this.#queue.peek() as TaskEntry | undefined;
      if (head === undefined || head.at > now) break;
      this.#queue.delete(head);
      this.#start(head, now);
    }
  }

  /** Whether a re-entrant call asked for another pass. */
  #consumePumpAgain(): boolean {
    const again = this.#pumpAgain;
    this.#pumpAgain = false;
    return again;
  }

  #start(entry: TaskEntry, now: number): void {
    entry.running = true;
    entry.startedAt = now;
    this.#inFlight += 1;
    const done = entry.item
      .run()
      .catch(() => undefined)
      .then(() => {
        this.#work.delete(done);
        this.#inFlight -= 1;
        entry.running = false;
        this.update(entry.item);
      });
    this.#work.add(done);
  }

  /** Arms the one timer for the next due time (or the pause's end), at most a minute ahead. */
  #arm(): void {
    const head = this.#queue.peek();
    // With every slot taken, the end of a run pumps: no timer is needed until then.
    const waiting = this.#inFlight < this.#concurrency && (this.#waiters.length > 0 || head !== undefined);
    if (!waiting) {
      this.#disarm();
      return;
    }
    const now = this.#clock.now();
    const due = Math.max(this.#waiters.length > 0 ? now : (head?.at ?? now), this.#pausedUntil);
    const delay = Math.min(MAX_WAKE_MS, Math.max(0, due - now));
    if (this.#cancelTimer !== undefined && this.#timerAt <= now + delay) return;
    this.#disarm();
    this.#timerAt = now + delay;
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, delay);
  }

  #disarm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }
}
