import type { Agent, Dispatcher } from 'undici';
import type { FetchLike } from './options.js';
import { DEFAULT_TIMEOUT_MS } from './settings.js';

/** undici's `fetch` and the keep-alive `Agent` every call of this library shares. @internal */
export interface UndiciRuntime {
  readonly fetch: FetchLike;
  readonly agent: Agent;
  /**
   * The shared Agent, enforcing `timeoutMs` on each request (headers and body); for another limit
   * than the default, a view of the same Agent, so connections are still shared.
   */
  readonly timedDispatcher: (timeoutMs: number) => Dispatcher;
}

let loaded: UndiciRuntime | undefined;
let loading: Promise<UndiciRuntime> | undefined;

/**
 * Loads undici on the first call rather than at import (it costs ~70 ms to load) and creates the
 * one shared `Agent`. Its idle sockets are unref'd by undici, so they never keep a process alive.
 * Once loaded, the runtime is returned as is, not as a promise. @internal
 */
export function loadUndici(): UndiciRuntime | Promise<UndiciRuntime> {
  if (loaded !== undefined) return loaded;
  loading ??= import('undici').then(
    ({ Agent, fetch }) =>
      (loaded = createRuntime(
        new Agent({
          keepAliveTimeout: 10_000,
          headersTimeout: DEFAULT_TIMEOUT_MS,
          bodyTimeout: DEFAULT_TIMEOUT_MS,
        }),
        fetch,
      )),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

function createRuntime(agent: Agent, fetch: FetchLike): UndiciRuntime {
  const views = new Map<number, Dispatcher>();
  return {
    fetch,
    agent,
    timedDispatcher: (timeoutMs) => {
      if (timeoutMs === DEFAULT_TIMEOUT_MS) return agent;
      let view = views.get(timeoutMs);
      if (view === undefined) {
        view = agent.compose(
          (dispatch) => (options, handler) =>
            dispatch({ ...options, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, handler),
        );
        views.set(timeoutMs, view);
      }
      return view;
    },
  };
}
