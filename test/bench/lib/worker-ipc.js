/**
 * The child side of {@link ./child.js}: serve jobs, talk to the fake Twitch process.
 */

let nextId = 1;
/** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
const pending = new Map();

process.on(
  'message',
  (/** @type {{ type: string, id: number, ok: boolean, result?: unknown, error?: string }} */ message) => {
    if (message.type !== 'fake-reply') return;
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(message.error ?? 'fake operation failed'));
  },
);

/**
 * Sends an operation to the fake Twitch process (through the parent).
 * @param {string} op
 * @param {unknown} [args]
 * @returns {Promise<any>}
 */
export function fakeCall(op, args) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    process.send?.({ type: 'fake', id, op, args });
  });
}

/**
 * Tells the parent something during a job (its `onEvent` option of `startWorker`), e.g. that a
 * step was reached and another process may act now.
 * @param {unknown} event
 */
export function sendEvent(event) {
  process.send?.({ type: 'event', event });
}

/**
 * Answers the parent's jobs, one at a time, with `handle`'s result or failure. When the parent
 * disconnects, the process ends (open keep-alive sockets and all).
 * @param {(job: any) => Promise<unknown>} handle
 */
export function serveJobs(handle) {
  let queue = Promise.resolve();
  process.on('message', (/** @type {{ type: string, id: number, job: unknown }} */ message) => {
    if (message.type !== 'job') return;
    queue = queue.then(() =>
      handle(message.job).then(
        (result) => {
          process.send?.({ type: 'result', id: message.id, ok: true, result });
        },
        (/** @type {unknown} */ error) => {
          const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
          process.send?.({ type: 'result', id: message.id, ok: false, error: text });
        },
      ),
    );
  });
  process.on('disconnect', () => {
    process.exit(0);
  });
  process.send?.({ type: 'ready' });
}
