/**
 * Suite "token-manager": what a `TokenManager` costs a bot. The hot path (`getAccessToken()` with
 * a fresh token, before every Helix call) in fresh worker processes, and the requests a token
 * costs per simulated day with a `ManualClock` shared by the manager and the fake. The fake runs
 * inside each worker (see ./token-manager/worker.js), not in the run's shared fake process.
 */
import { runChild } from '../lib/child.js';
import { markdownTable, num } from '../lib/format.js';
import { median, spread } from '../lib/stats.js';

const WORKER = new URL('./token-manager/worker.js', import.meta.url);

/** The hot path's target: median ns per awaited call below this. */
const MAX_HOT_NS = 1000;

/** @typedef {import('./token-manager/worker.js').HotResult} HotResult */
/** @typedef {import('./token-manager/worker.js').DayResult} DayResult */

/**
 * Seconds as `h:mm:ss`.
 * @param {number} seconds
 */
function clockTime(seconds) {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h)}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** @type {import('./index.js').Suite} */
export default {
  name: 'token-manager',
  title: 'TokenManager: the hot path and the requests per token-day',
  async run({ config, log }) {
    // ---- hot path ---------------------------------------------------------------------------------
    /** @type {HotResult[]} */
    const hot = [];
    for (let round = 0; round < config.hotRounds; round++) {
      hot.push(
        /** @type {HotResult} */ (
          await runChild({ script: WORKER, job: { mode: 'hot', calls: config.hotCalls, batches: config.hotBatches } })
        ),
      );
    }
    log(`token-manager hot path: ${String(config.hotRounds)} rounds done`);

    /** @type {{ key: 'awaited' | 'unawaited' | 'floor', label: string }[]} */
    const loops = [
      { key: 'awaited', label: '`last = await manager.getAccessToken()`' },
      { key: 'unawaited', label: '`last = manager.getAccessToken()` (promise not awaited)' },
      { key: 'floor', label: 'floor: `last = await Promise.resolve(value)`' },
    ];
    /** @type {Record<string, { median: number, min: number, max: number, roundMedians: number[], spread: number }>} */
    const hotFigures = {};
    const hotRows = loops.map(({ key, label }) => {
      const all = hot.flatMap((r) => r[key]);
      const roundMedians = hot.map((r) => median(r[key]));
      const entry = {
        median: median(all),
        min: Math.min(...all),
        max: Math.max(...all),
        roundMedians,
        spread: spread(roundMedians),
      };
      hotFigures[key] = entry;
      return [
        label,
        num(entry.median, 1),
        `${num(entry.min, 1)}–${num(entry.max, 1)}`,
        roundMedians.map((value) => num(value, 1)).join(' / '),
      ];
    });
    const requestsDuring = hot.reduce((sum, r) => sum + r.requestsDuring, 0);
    const sameToken = hot.every((r) => r.sameToken);
    const awaited = hotFigures['awaited'];
    const floor = hotFigures['floor'];

    // ---- requests per token-day -------------------------------------------------------------------
    const dayResult = /** @type {DayResult} */ (
      await runChild({ script: WORKER, job: { mode: 'day', days: config.simDays } })
    );
    log(`token-manager: ${String(config.simDays)} simulated day(s) in ${num(dayResult.wallMs)} ms`);
    const simulatedS = config.simDays * 86_400;
    const windowS = dayResult.lifetimeS - dayResult.marginS;
    const expectedRefreshes = Math.floor(simulatedS / windowS);
    const expectedValidations = config.simDays * 24 + 1;
    const refreshes = dayResult.refreshAtS.length;
    const validations = dayResult.validateAtS.length;
    const others = Object.values(dayResult.otherRequests).reduce((sum, count) => sum + count, 0);
    const dayMet =
      refreshes === expectedRefreshes &&
      validations === expectedValidations &&
      others === 0 &&
      dayResult.refreshFailures === 0 &&
      dayResult.invalid === 0 &&
      dayResult.tokenValidAtEnd;
    const onTheHour = dayResult.validateAtS.every((s) => s % 3600 === 0);
    const refreshGaps = dayResult.refreshAtS.map((s, index) => s - (dayResult.refreshAtS[index - 1] ?? 0));

    /** @type {import('./index.js').TargetCheck[]} */
    const targets = [
      {
        name: `getAccessToken() hot path: median < ${num(MAX_HOT_NS)} ns per awaited call, no I/O`,
        met: (awaited?.median ?? Infinity) < MAX_HOT_NS && requestsDuring === 0 && sameToken,
        detail:
          `${num(awaited?.median ?? NaN, 1)} ns per awaited call (median of ${String(config.hotRounds)} × ` +
          `${String(config.hotBatches)} batches of ${num(config.hotCalls)}; an awaited resolved promise alone costs ` +
          `${num(floor?.median ?? NaN, 1)} ns); ${String(requestsDuring)} requests reached the fake during the batches`,
      },
      {
        name:
          `requests per token-day: ${String(expectedRefreshes)} refreshes (floor(${num(simulatedS)} / ` +
          `(${num(dayResult.lifetimeS)} − ${num(dayResult.marginS)}))) and ${String(expectedValidations)} validations ` +
          `(hourly, and one at start) in ${String(config.simDays)} simulated day(s), nothing else`,
        met: dayMet,
        detail:
          `${String(refreshes)} \`/token\`, ${String(validations)} \`/validate\`, ${String(others)} other requests; ` +
          `${String(dayResult.refreshFailures)} refresh failures, ${String(dayResult.invalid)} permanent failures; ` +
          `token ${dayResult.tokenValidAtEnd ? 'valid' : 'EXPIRED'} at the end`,
      },
    ];

    const markdown = [
      `**Hot path.** ${String(config.hotRounds)} fresh worker processes each start a fake in the same process, a ` +
        `\`TokenManager\` (system clock, defaults) with a token fresh from the fake, call \`start()\` and wait for ` +
        `its first validation, then time ${String(config.hotBatches)} batches of ${num(config.hotCalls)} calls of ` +
        `each loop below (interleaved, after one unmeasured batch of each), with \`performance.now()\` around the ` +
        `whole batch. The awaited loop is what a bot does before each Helix call; the unawaited one shows the ` +
        `synchronous cost of the call itself (the check and an already-resolved promise); the floor is an \`await\` ` +
        `of a resolved promise with no call at all. Figures are ns per call: the median of all batches, their ` +
        `range, and each round's median. The fake's request count is read before the first timed batch and after ` +
        `the last.`,
      '',
      markdownTable(['loop', 'ns/call (median)', 'min–max', 'round medians'], hotRows, 'lrrr'),
      '',
      `- Requests that reached the fake during the timed batches: **${String(requestsDuring)}** ` +
        `(the validation at \`start()\`, before them: ${hot.map((r) => String(r.requestsAtStart)).join(' / ')}); ` +
        `every call returned the manager's token: ${sameToken ? 'yes' : '**no**'}.`,
      '',
      `**Requests per token-day.** One worker process holds a \`ManualClock\`, a fake started with ` +
        `\`now: () => clock.now()\` and a \`TokenManager\` on that clock (defaults: refresh ${num(dayResult.marginS)} s ` +
        `before expiry, validate hourly) given a token fresh from the fake (lifetime ${num(dayResult.lifetimeS)} s). ` +
        `After \`start()\`, the clock advances ${num(config.simDays * 1440)} times by one minute, awaiting ` +
        `\`manager.settled()\` after every timer (\`clock.advance(60_000, () => manager.settled())\`); real HTTP ` +
        `to the fake throughout. Then the fake's recorded requests are counted. Expected: one refresh per ` +
        `${num(windowS)} s window (lifetime − margin), floor(${num(simulatedS)} / ${num(windowS)}) = ` +
        `${String(expectedRefreshes)}, and ${String(expectedValidations - 1)} hourly validations plus the one at ` +
        `start. The simulated ${String(config.simDays)} day(s) took ${num(dayResult.wallMs)} ms of real time.`,
      '',
      markdownTable(
        ['requests at the fake', 'expected', 'measured', 'when (simulated h:mm:ss from start)'],
        [
          [
            '`POST /token` (refreshes)',
            String(expectedRefreshes),
            String(refreshes),
            dayResult.refreshAtS.map(clockTime).join(', ') +
              ` (gaps ${[...new Set(refreshGaps.map((gap) => `${num(gap)} s`))].join(', ')})`,
          ],
          [
            '`GET /validate`',
            String(expectedValidations),
            String(validations),
            onTheHour
              ? `every whole hour, ${clockTime(dayResult.validateAtS[0] ?? NaN)} to ${clockTime(dayResult.validateAtS.at(-1) ?? NaN)}`
              : dayResult.validateAtS.map(clockTime).join(', '),
          ],
          [
            'anything else',
            '0',
            String(others),
            Object.entries(dayResult.otherRequests)
              .map(([key, count]) => `${key} ×${String(count)}`)
              .join(', ') || '–',
          ],
        ],
        'lrrl',
      ),
      '',
      `- \`onRefresh\` ${String(dayResult.onRefresh)}×, \`onRefreshFailure\` ${String(dayResult.refreshFailures)}×, ` +
        `\`onInvalid\` ${String(dayResult.invalid)}×; the token in use was ` +
        `${dayResult.tokenValidAtEnd ? 'unexpired' : '**expired**'} at the end.`,
    ].join('\n');

    return {
      title: this.title,
      markdown,
      targets,
      data: {
        hot: {
          calls: config.hotCalls,
          batches: config.hotBatches,
          rounds: config.hotRounds,
          figures: hotFigures,
          requestsDuring,
          requestsAtStart: hot.map((r) => r.requestsAtStart),
          sameToken,
          targetNs: MAX_HOT_NS,
        },
        day: { ...dayResult, expectedRefreshes, expectedValidations },
      },
    };
  },
};
