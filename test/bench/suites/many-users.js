/**
 * Suite "many-users": what holding many users' tokens in one process costs, and what starting up
 * with them sends to Twitch. A `TokenPool` (when the build has one) beside independent
 * `TokenManager`s and twurple's `RefreshingAuthProvider` holding the same users. Every figure comes
 * from a fresh worker process (./many-users/worker.js); the burst talks to the run's shared fake.
 */
import * as lib from '../../../dist/index.js';
import { runChild } from '../lib/child.js';
import { markdownTable, num } from '../lib/format.js';
import { median } from '../lib/stats.js';

const WORKER = new URL('./many-users/worker.js', import.meta.url);

/** Targets for the pool at rest: heap per user, and timers for the whole pool. */
const MAX_BYTES_PER_USER = 1024;
const MAX_TIMERS = 1;

/** @typedef {import('./many-users/worker.js').HeapResult} HeapResult */
/** @typedef {import('./many-users/worker.js').BurstResult} BurstResult */
/** @typedef {import('./many-users/worker.js').Holder} Holder */

/**
 * Pending timers by kind, e.g. `1 scheduling + 1 request deadline + 2 undici`.
 * @param {Record<import('./many-users/worker.js').TimerKind, number>} timers
 */
function timerText(timers) {
  const parts = [`${num(timers.scheduling)} scheduling`];
  if (timers.request > 0) parts.push(`${num(timers.request)} request deadline`);
  if (timers.undici > 0) parts.push(`${num(timers.undici)} undici`);
  if (timers.other > 0) parts.push(`${num(timers.other)} other`);
  return parts.join(' + ');
}

/** @type {Record<Holder, string>} */
const LABELS = {
  pool: '`TokenPool`',
  managers: 'one `TokenManager` per user',
  twurple: "twurple's `RefreshingAuthProvider`",
  tokens: 'the `UserToken`s alone, in an array',
};

/** @type {import('./index.js').Suite} */
export default {
  name: 'many-users',
  title: 'Many users in one process: heap and timers at rest, the start-up burst',
  async run({ config, fake, log }) {
    const hasPool = typeof (/** @type {Record<string, unknown>} */ (lib)['TokenPool']) === 'function';
    /** @type {Holder[]} */
    const heapHolders = [...(hasPool ? /** @type {Holder[]} */ (['pool']) : []), 'managers', 'twurple', 'tokens'];
    /** @type {Exclude<Holder, 'tokens'>[]} */
    const burstHolders = [...(hasPool ? /** @type {const} */ (['pool']) : []), 'managers', 'twurple'];

    // ---- at rest ----------------------------------------------------------------------------------
    /** @type {HeapResult[]} */
    const heap = [];
    for (const users of config.manyUsers) {
      for (const holder of heapHolders) {
        const result = /** @type {HeapResult} */ (
          await runChild({ script: WORKER, fake, job: { mode: 'heap', holder, users }, timeoutMs: 900_000 })
        );
        heap.push(result);
        log(
          `many-users at rest: ${holder} × ${num(users)}: ${num(result.bytesPerUser)} B/user, ${timerText(result.timers)}`,
        );
      }
    }

    // ---- start-up burst ---------------------------------------------------------------------------
    /** @type {BurstResult[]} */
    const bursts = [];
    for (let round = 0; round < config.manyBurstRounds; round++) {
      for (const holder of burstHolders) {
        const result = /** @type {BurstResult} */ (
          await runChild({
            script: WORKER,
            fake,
            job: { mode: 'burst', holder, users: config.manyBurstUsers },
            timeoutMs: 600_000,
          })
        );
        bursts.push(result);
        log(
          `many-users burst: ${holder}: ${num(result.wallMs)} ms, ${num(result.connections)} connections, ` +
            `${num(result.peakInFlight)} in flight at most`,
        );
      }
    }

    const tokensOnly = (/** @type {number} */ users) =>
      heap.find((r) => r.holder === 'tokens' && r.users === users)?.bytesPerUser ?? Number.NaN;
    const heapRows = heap.map((r) => [
      LABELS[r.holder],
      num(r.users),
      num(r.bytesPerUser),
      r.holder === 'tokens' ? '–' : num(r.bytesPerUser - tokensOnly(r.users)),
      timerText(r.timers),
      `${num(r.requestsBuilding)} / ${num(r.requestsResting)}`,
      num(r.buildMs),
    ]);

    const burstRows = burstHolders.map((holder) => {
      const rounds = bursts.filter((r) => r.holder === holder);
      const med = (/** @type {(r: BurstResult) => number} */ pick) => median(rounds.map(pick));
      return [
        LABELS[holder],
        num(med((r) => r.requests)),
        num(med((r) => r.connections)),
        num(med((r) => r.peakInFlight)),
        num(med((r) => r.requestErrors)),
        num(med((r) => r.wallMs)),
        rounds.map((r) => num(r.wallMs)).join(' / '),
        `${num(med((r) => r.validated))} / ${num(med((r) => r.failures))}`,
        rounds[0]?.note ?? '',
      ];
    });

    const poolHeap = heap.filter((r) => r.holder === 'pool');
    /** @type {import('./index.js').TargetCheck[]} */
    const targets = [
      {
        name: `TokenPool at rest: ≤ ${num(MAX_BYTES_PER_USER)} B of heap per user (${config.manyUsers.map((n) => num(n)).join(' and ')} users)`,
        met: hasPool && poolHeap.length > 0 && poolHeap.every((r) => r.bytesPerUser <= MAX_BYTES_PER_USER),
        detail: hasPool
          ? poolHeap.map((r) => `${num(r.bytesPerUser)} B/user with ${num(r.users)}`).join(', ')
          : 'this build has no TokenPool (src/manager/token-pool.ts not merged yet)',
        ...(hasPool ? {} : { measured: false }),
      },
      {
        name: `TokenPool at rest: ${String(MAX_TIMERS)} timer for the whole pool`,
        met: hasPool && poolHeap.length > 0 && poolHeap.every((r) => r.timers.scheduling <= MAX_TIMERS),
        detail: hasPool
          ? poolHeap
              .map(
                (r) =>
                  `${timerText(r.timers)} with ${num(r.users)} users (${num(r.requestsResting)} validations in the ` +
                  `${num(r.restMs / 1000)} s of rest)`,
              )
              .join('; ')
          : 'this build has no TokenPool (src/manager/token-pool.ts not merged yet)',
        ...(hasPool ? {} : { measured: false }),
      },
    ];

    // Between the smallest and the largest size, fixed costs (loaded code, JIT, connection state) cancel out.
    const marginal = heapHolders.flatMap((holder) => {
      const rows = heap.filter((r) => r.holder === holder).sort((a, b) => a.users - b.users);
      const [small, large] = [rows[0], rows.at(-1)];
      if (small === undefined || large === undefined || large.users === small.users) return [];
      const bytes = (large.heapBytes - small.heapBytes) / (large.users - small.users);
      return [`${LABELS[holder]}: ${num(bytes)} B`];
    });

    const markdown = [
      `**At rest.** One fresh worker process (\`--expose-gc\`) per holder and size builds the holder with N users ` +
        `whose tokens are fresh (30-character tokens, like Twitch's), so that nothing is due: the \`TokenManager\`s ` +
        `are started as just validated (\`start({ validatedAt: now })\`); the \`TokenPool\` gets tokens the fake issued ` +
        `(\`addUser(token, { userId })\`), is started, and validates every user once at its bounded concurrency ` +
        `(those are its requests below); twurple's provider gets \`addUser(userId, token)\` and never validates. ` +
        `Then the holder rests (500 ms; the pool 8 s, until the idle keep-alive connections and their timers are ` +
        `gone), four forced GCs, and the heap growth over the reading before the users were added, divided by N, is ` +
        `the heap per user (undici and zod are loaded before that reading). "Over the tokens" subtracts what the ` +
        `\`UserToken\`s alone take. Timers are the pending ones set through the global \`setTimeout\`/\`setInterval\`, unref'd ones ` +
        `included, by where they were set: the holder's scheduling (the library's clock), the deadline of a ` +
        `request in flight, undici's connection timers. Requests are those issued through either undici ` +
        `(diagnostics channels) while adding and starting the users, and while resting: the pool spreads each ` +
        `user's hourly validation over the hour, so it validates about N / 3,600 users a second, at rest too.`,
      '',
      markdownTable(
        ['holder', 'users', 'heap B/user', 'over the tokens', 'timers at rest', 'requests: start / rest', 'start ms'],
        heapRows,
        'lrrrrrr',
      ),
      ...(marginal.length === 0
        ? []
        : [
            '',
            `- Each user more, from ${num(Math.min(...config.manyUsers))} to ${num(Math.max(...config.manyUsers))} ` +
              `users (the growth between the two readings over the users added; fixed costs cancel out): ` +
              `${marginal.join(', ')}.`,
          ]),
      '',
      `**Start-up burst.** The shared fake (its own process) gets ${num(config.manyBurstUsers)} users and issues a ` +
        `token to each; a fresh worker process holds them, as a bot restarting with ${num(config.manyBurstUsers)} ` +
        `stored users does, and starts. Wall time runs from the start until every user is validated (or failed). ` +
        `Connections are those the fake saw opened; in flight counts requests issued and not yet answered, in the ` +
        `worker (undici's diagnostics channels; an attempt the client gave up on at its deadline stays in flight until ` +
        `its answer arrives or its connection is cut); failed requests are those that ended in an error there (a timeout, a ` +
        `reset connection), each retried by the client or counted as a failed validation. Medians of ${String(config.manyBurstRounds)} round(s).`,
      '',
      markdownTable(
        [
          'holder',
          'requests',
          'connections opened',
          'in flight at most',
          'failed requests',
          'wall ms',
          'rounds (ms)',
          'validated / failed',
          'at start',
        ],
        burstRows,
        'lrrrrrrrl',
      ),
      ...(hasPool
        ? []
        : [
            '',
            '_No `TokenPool` in this build: its rows and targets are reported as not measured until ' +
              'src/manager/token-pool.ts is merged._',
          ]),
    ].join('\n');

    return {
      title: this.title,
      markdown,
      targets,
      data: { hasPool, heap, marginal, bursts, targetBytesPerUser: MAX_BYTES_PER_USER, targetTimers: MAX_TIMERS },
    };
  },
};
