/**
 * Worker of the "hostile-peers" suite: one call of the built library against a hostile server, in
 * a fresh process, after a warm-up call (undici and zod loaded) against the same server's normal
 * answers. Reports peak RSS and heap growth during the call, sampled every millisecond.
 */
import { validateToken } from '../../../../dist/index.js';
import { serveJobs } from '../../lib/worker-ipc.js';

/**
 * @typedef {{ bombBaseUrl: string, warmBaseUrl: string, route: 'agent' | 'signal' | 'fetch' }} Job
 * @typedef {{ error: string, rssGrowth: number, heapGrowth: number }} BombResult
 */

/** @type {Record<Job['route'], object>} */
const ROUTES = {
  agent: {},
  signal: { signal: new AbortController().signal },
  fetch: { fetch: globalThis.fetch },
};

serveJobs(async (/** @type {Job} */ job) => {
  const options = { ...ROUTES[job.route], retry: 0 };
  await validateToken('benchtoken0123456789', { ...options, authBaseUrl: job.warmBaseUrl }).catch(() => undefined);
  globalThis.gc?.();
  const base = process.memoryUsage();
  let rss = base.rss;
  let heap = base.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  };
  const timer = setInterval(sample, 1);
  const error = await validateToken('benchtoken0123456789', { ...options, authBaseUrl: job.bombBaseUrl }).then(
    () => 'none',
    (/** @type {Error} */ failure) => failure.name,
  );
  sample();
  clearInterval(timer);
  /** @type {BombResult} */
  const result = { error, rssGrowth: rss - base.rss, heapGrowth: heap - base.heapUsed };
  return result;
});
