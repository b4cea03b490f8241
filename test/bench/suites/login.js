/**
 * Suite "login": the browser login's own overhead. A `UserAuthenticator` runs logins against the
 * fake Twitch (in its own process), in fresh worker processes that play the browser; see
 * ./login/worker.js. What is left of "redirect received → `authenticate()` resolved" once the
 * token exchange's own duration is taken out is the library's: the listener, the state check, the
 * success page, closing the listener.
 */
import { runChild } from '../lib/child.js';
import { markdownTable, num } from '../lib/format.js';
import { median, percentile, spread } from '../lib/stats.js';

const WORKER = new URL('./login/worker.js', import.meta.url);

/** The target: median overhead below this, in ms. */
const MAX_MEDIAN_OVERHEAD_MS = 2;

/** @typedef {import('./login/worker.js').LoginResult} LoginResult */
/** @typedef {import('./login/worker.js').LoginTimes} LoginTimes */

/**
 * @param {number[]} values
 * @param {number} p
 */
function pct(values, p) {
  return percentile(Float64Array.from(values), p);
}

/** @type {import('./index.js').Suite} */
export default {
  name: 'login',
  title: "Browser login: UserAuthenticator's own overhead",
  async run({ config, fake, log }) {
    /** @type {LoginResult[]} */
    const rounds = [];
    for (let round = 0; round < config.loginRounds; round++) {
      rounds.push(
        /** @type {LoginResult} */ (
          await runChild({ script: WORKER, fake, job: { logins: config.logins, warmup: config.loginWarmup } })
        ),
      );
      log(`login round ${String(round + 1)}/${String(config.loginRounds)} done`);
    }

    /** @type {{ key: keyof LoginTimes, label: string }[]} */
    const measures = [
      { key: 'overheadMs', label: '**overhead** (callback → resolve, minus the exchange)' },
      { key: 'toRequestMs', label: '  ↳ t0 → listener has the request (TCP connect, request parsed)' },
      { key: 'toExchangeMs', label: '  ↳ request → `/token` fetch called (redirect read, state checked)' },
      { key: 'toPageMs', label: '  ↳ exchange body read → success page written (token decoded, page rendered)' },
      { key: 'toResolveMs', label: '  ↳ page written → `authenticate()` resolved (listener closed)' },
      { key: 'callbackToResolveMs', label: 'callback → `authenticate()` resolved' },
      { key: 'exchangeMs', label: 'token exchange (`/token` fetch, start → body read)' },
      { key: 'startupMs', label: '**listener start-up** (`authenticate()` → `onAuthUrl`)' },
    ];
    /** @type {Record<string, { median: number, p90: number, p99: number, max: number, roundMedians: number[], spread: number }>} */
    const figures = {};
    for (const { key } of measures) {
      const pooled = rounds.flatMap((r) => r.logins.map((l) => l[key]));
      const roundMedians = rounds.map((r) => median(r.logins.map((l) => l[key])));
      figures[key] = {
        median: median(pooled),
        p90: pct(pooled, 90),
        p99: pct(pooled, 99),
        max: Math.max(...pooled),
        roundMedians,
        spread: spread(roundMedians),
      };
    }
    const rows = measures.map(({ key, label }) => {
      const f = figures[key];
      if (f === undefined) return [label];
      return [
        label,
        num(f.median, 3),
        num(f.p90, 3),
        num(f.p99, 3),
        num(f.max, 2),
        f.roundMedians.map((value) => num(value, 3)).join(' / '),
      ];
    });

    const total = rounds.reduce((sum, r) => sum + r.logins.length, 0);
    const checked = rounds.reduce((sum, r) => sum + r.afterClose.checked, 0);
    /** @param {string} host */
    const refusedAt = (host) => rounds.reduce((sum, r) => sum + (r.afterClose.refused[host] ?? 0), 0);
    /** @param {string} host */
    const otherOutcomes = (host) => {
      /** @type {Record<string, number>} */
      const counts = {};
      for (const r of rounds) {
        for (const [outcome, count] of Object.entries(r.afterClose.outcomes[host] ?? {})) {
          if (outcome !== 'refused') counts[outcome] = (counts[outcome] ?? 0) + count;
        }
      }
      return Object.entries(counts)
        .map(([outcome, count]) => `${outcome} ×${String(count)}`)
        .join(', ');
    };
    const whileOpen = rounds[0]?.whileOpen ?? {};
    /** @type {Record<string, number>} */
    const statuses = {};
    for (const r of rounds) {
      for (const [status, count] of Object.entries(r.callbackStatus))
        statuses[status] = (statuses[status] ?? 0) + count;
    }
    const closedEverywhere = refusedAt('127.0.0.1') === checked && refusedAt('::1') === checked;
    const sanity = [
      `Listener closed after every login: a TCP connect to its port right after \`authenticate()\` resolved was refused ` +
        `on 127.0.0.1 ${String(refusedAt('127.0.0.1'))}/${String(checked)} times and on ::1 ` +
        `${String(refusedAt('::1'))}/${String(checked)} times` +
        (closedEverywhere
          ? '.'
          : ` (other outcomes: 127.0.0.1 ${otherOutcomes('127.0.0.1') || 'none'}; ::1 ${otherOutcomes('::1') || 'none'}).`),
      `While a login ran, the listener accepted connections on ${Object.entries(whileOpen)
        .map(([host, outcome]) => `${host}: ${outcome}`)
        .join(', ')}. ` +
        `Callback answers: ${Object.entries(statuses)
          .map(([status, count]) => `HTTP ${status} ×${String(count)}`)
          .join(
            ', ',
          )}; one \`/token\` call per login (${rounds.map((r) => num(r.tokenCallsPerLogin, 2)).join(' / ')} per round).`,
    ];

    const overhead = figures['overheadMs'];
    const startup = figures['startupMs'];
    /** @type {import('./index.js').TargetCheck[]} */
    const targets = [
      {
        name: `login overhead (callback → resolve, minus the token exchange) median < ${String(MAX_MEDIAN_OVERHEAD_MS)} ms`,
        met: (overhead?.median ?? Infinity) < MAX_MEDIAN_OVERHEAD_MS,
        detail:
          `median ${num(overhead?.median ?? NaN, 3)} ms, p90 ${num(overhead?.p90 ?? NaN, 3)} ms, p99 ` +
          `${num(overhead?.p99 ?? NaN, 3)} ms over ${String(total)} logins; round medians ` +
          (overhead?.roundMedians ?? []).map((value) => num(value, 3)).join(' / '),
      },
      {
        name: 'the login listener is closed when authenticate() resolves',
        met: closedEverywhere,
        detail: `connects refused on 127.0.0.1 ${String(refusedAt('127.0.0.1'))}/${String(checked)}, on ::1 ${String(refusedAt('::1'))}/${String(checked)}`,
      },
    ];

    const markdown = [
      `${String(config.loginRounds)} fresh worker processes (\`--expose-gc\`) each run ${num(config.loginWarmup)} warm-up ` +
        `logins, then ${num(config.logins)} measured ones, one after another, with one \`UserAuthenticator\` whose ` +
        `redirect URI \`http://localhost:<free port>\` is registered for the app at the fake (mode 'approve'). The fake ` +
        `runs in its own process (the shared one of this run); the worker plays the browser. Each login: ` +
        `\`authenticate({ useBrowser: false, onAuthUrl })\`; \`onAuthUrl\` returns at once and, in the background, ` +
        `GETs the authorize URL at the fake (undici \`request\`, no redirect followed) and sends the \`Location\`'s ` +
        `GET to the listener on a raw TCP socket to 127.0.0.1 (the least client-side work sharing the event loop; ` +
        `connecting is included). t0 is taken right before that connect, t1 when \`authenticate()\` resolves. The ` +
        `token exchange is timed by the \`fetch\` option, a wrapper of undici's \`fetch\` that reads the \`/token\` ` +
        `body whole (call → last byte) and hands the library the text with its length declared, as Twitch ` +
        `declares it (the fake answers chunked). **overhead** = (t1 − t0) − exchange: the connection and request ` +
        `reaching the listener, reading the redirect and checking \`state\`, decoding the token, the success page, ` +
        `and closing both listening sockets before \`authenticate()\` settles; the ↳ rows split it at the listener's ` +
        `\`http.server.request.start\` and \`http.server.response.finish\` diagnostics channels. Start-up is the time ` +
        `from calling \`authenticate()\` to \`onAuthUrl\` (fresh \`state\`, authorize URL, listener bound on ` +
        `127.0.0.1 and ::1). Percentiles pool the ${String(total)} measured logins; the last column gives each ` +
        `round's median. For comparison (not run here): pyTwitchAPI's original polls for the redirect every 10 ms ` +
        `and closes its server through a loop that checks every 100 ms, which adds about 100 ms per login.`,
      '',
      markdownTable(['measure', 'median ms', 'p90 ms', 'p99 ms', 'max ms', 'round medians ms'], rows, 'lrrrrr'),
      '',
      ...sanity.map((line) => `- ${line}`),
    ].join('\n');

    return {
      title: this.title,
      markdown,
      targets,
      data: {
        logins: total,
        rounds: config.loginRounds,
        warmup: config.loginWarmup,
        figures,
        overheadTargetMs: MAX_MEDIAN_OVERHEAD_MS,
        startup,
        afterClose: rounds.map((r) => r.afterClose),
        whileOpen,
        callbackStatus: statuses,
        tokenCallsPerLogin: rounds.map((r) => r.tokenCallsPerLogin),
        fakeRequests: rounds.map((r) => r.fakeRequests),
      },
    };
  },
};
