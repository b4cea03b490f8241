import type { Agent } from 'undici';
import type { FetchLike } from './options.js';

/** undici's `fetch` and the keep-alive `Agent` every call of this library shares. @internal */
export interface UndiciRuntime {
  readonly fetch: FetchLike;
  readonly agent: Agent;
}

let runtime: Promise<UndiciRuntime> | undefined;

/**
 * Loads undici on the first call rather than at import (it costs ~70 ms to load) and creates the
 * one shared `Agent`. Its idle sockets are unref'd by undici, so they never keep a process alive.
 * @internal
 */
export function loadUndici(): Promise<UndiciRuntime> {
  runtime ??= import('undici').then(
    ({ Agent, fetch }) => ({ fetch, agent: new Agent({ keepAliveTimeout: 10_000 }) }),
    (error: unknown) => {
      runtime = undefined;
      throw error;
    },
  );
  return runtime;
}
