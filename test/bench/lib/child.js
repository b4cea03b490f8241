/**
 * Measurements run in fresh child processes. A child gets jobs over IPC, may send operations to
 * the fake Twitch process through this parent (see {@link ./worker-ipc.js}), and answers each job
 * with one result. A child can serve several jobs in turn (`startWorker`) or just one (`runChild`).
 */
import { fork } from 'node:child_process';

/**
 * @typedef {object} WorkerOptions
 * @property {URL} script The child's entry module; it calls `serveJobs` of worker-ipc.js.
 * @property {import('./fake-process.js').FakeProcess} [fake] Relays the child's fake operations.
 * @property {Record<string, string>} [env] Extra environment variables.
 * @property {string[]} [execArgv] Node flags; default `--expose-gc`.
 * @property {number} [timeoutMs] Fails a job (and kills the child) after this long; default 5 minutes.
 * @property {(event: any) => void} [onEvent] Told of what the child reports during a job (`sendEvent` of worker-ipc.js).
 */

/**
 * @typedef {object} Worker
 * @property {(job: unknown) => Promise<any>} run Sends a job and resolves with its result.
 * @property {() => Promise<void>} close Ends the child.
 */

/**
 * Starts a child process that serves jobs one at a time.
 * @param {WorkerOptions} options
 * @returns {Promise<Worker>}
 */
export async function startWorker({
  script,
  fake,
  env = {},
  execArgv = ['--expose-gc'],
  timeoutMs = 300_000,
  onEvent,
}) {
  const child = fork(script, [], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void, timer: NodeJS.Timeout }>} */
  const pending = new Map();
  /** @type {(() => void) | undefined} */
  let onReady;
  const ready = new Promise((resolve) => {
    onReady = () => {
      resolve(undefined);
    };
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));

  child.on(
    'message',
    (
      /** @type {{ type: string, id: number, op?: string, args?: unknown, ok?: boolean, result?: unknown, error?: string, event?: unknown }} */ message,
    ) => {
      if (message.type === 'ready') {
        onReady?.();
      } else if (message.type === 'event') {
        onEvent?.(message.event);
      } else if (message.type === 'fake') {
        const reply = (/** @type {object} */ outcome) => child.send({ type: 'fake-reply', id: message.id, ...outcome });
        if (fake === undefined) reply({ ok: false, error: 'no fake process for this child' });
        else
          fake.call(message.op ?? '', message.args).then(
            (result) => reply({ ok: true, result }),
            (/** @type {unknown} */ error) => reply({ ok: false, error: String(error) }),
          );
      } else if (message.type === 'result') {
        const job = pending.get(message.id);
        if (job === undefined) return;
        pending.delete(message.id);
        clearTimeout(job.timer);
        if (message.ok === true) job.resolve(message.result);
        else job.reject(new Error(`${script.pathname}: ${message.error ?? 'failed'}`));
      }
    },
  );
  child.on('exit', (code, signal) => {
    for (const job of pending.values()) {
      clearTimeout(job.timer);
      job.reject(new Error(`${script.pathname} exited (${String(code ?? signal)}) during a job`));
    }
    pending.clear();
  });
  await Promise.race([ready, exited]);
  if (!child.connected) throw new Error(`${script.pathname} exited before it was ready`);

  return {
    run(job) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${script.pathname} took longer than ${String(timeoutMs)} ms`));
          child.kill('SIGKILL');
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ type: 'job', id, job });
      });
    },
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/**
 * Runs one job in a fresh child process.
 * @param {WorkerOptions & { job: unknown }} options
 * @returns {Promise<any>} The child's result.
 */
export async function runChild({ job, ...options }) {
  const worker = await startWorker(options);
  try {
    return await worker.run(job);
  } finally {
    await worker.close();
  }
}
