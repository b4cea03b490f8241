/**
 * Parent side of the fake Twitch process: starts it and sends it operations
 * (see `OPERATIONS` in {@link ./fake-server.js}).
 */
import { fork } from 'node:child_process';

const FAKE_SERVER = new URL('./fake-server.js', import.meta.url);

/**
 * @typedef {object} FakeTarget Where a fresh fake listens.
 * @property {string} origin e.g. `http://127.0.0.1:41234`
 * @property {string} authBaseUrl e.g. `http://127.0.0.1:41234/oauth2`
 * @property {number} port
 * @property {string} clientId The demo app's (DEMO_APP: confidential, reusable refresh tokens).
 * @property {string} clientSecret
 */

/**
 * @typedef {object} FakeStats
 * @property {number} connectionCount Connections opened since the last reset or clearRecords.
 * @property {number} openConnections
 * @property {number} requestCount
 * @property {number} cpuMicros The fake process's CPU time so far.
 * @property {number} wallMs The fake process's `performance.now()`.
 */

export class FakeProcess {
  /** @type {import('node:child_process').ChildProcess} */
  #child;
  #nextId = 1;
  /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
  #pending = new Map();

  constructor() {
    this.#child = fork(FAKE_SERVER, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (/** @type {{ id: number, ok: boolean, result?: unknown, error?: string }} */ reply) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new Error(`fake: ${reply.error ?? 'unknown error'}`));
    });
    this.#child.on('exit', (code) => {
      for (const { reject } of this.#pending.values()) reject(new Error(`The fake process exited (${String(code)}).`));
      this.#pending.clear();
    });
  }

  /**
   * Sends an operation to the fake process and resolves with its result.
   * @param {string} op
   * @param {unknown} [args]
   * @returns {Promise<any>}
   */
  call(op, args) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ id, op, args });
    });
  }

  /**
   * A fresh fake on a new port: no tokens, no records, no connections.
   * @returns {Promise<FakeTarget>}
   */
  reset() {
    return this.call('reset');
  }

  /** @returns {Promise<FakeStats>} */
  stats() {
    return this.call('stats');
  }

  async close() {
    if (!this.#child.connected) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.call('close').catch(() => undefined);
    await exited;
  }
}
