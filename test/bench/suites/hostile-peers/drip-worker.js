/**
 * Worker of the "hostile-peers" suite: two calls of the built library against a server that drips
 * its body, each giving up after 3 attempts of 200 ms.
 */
import { validateToken } from '../../../../dist/index.js';
import { serveJobs } from '../../lib/worker-ipc.js';

const CALLS = 2;
const ATTEMPTS = 3;

serveJobs(async (/** @type {{ authBaseUrl: string }} */ job) => {
  /** @type {string[]} */
  const errors = [];
  for (let call = 0; call < CALLS; call++) {
    const error = await validateToken('benchtoken0123456789', {
      authBaseUrl: job.authBaseUrl,
      timeoutMs: 200,
      retry: { limit: ATTEMPTS - 1, baseDelayMs: 1, maxDelayMs: 50 },
    }).then(
      () => 'none',
      (/** @type {Error} */ failure) => failure.name,
    );
    errors.push(error);
  }
  return { calls: CALLS, attempts: CALLS * ATTEMPTS, errors: [...new Set(errors)] };
});
