import type { Agent, Dispatcher, fetch as undiciFetch } from 'undici';
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
 * Loads undici on the first call rather than at import and creates the one shared `Agent`. Its
 * idle sockets are unref'd by undici, so they never keep a process alive. Once loaded, the runtime
 * is returned as is, not as a promise. @internal
 */
export function loadUndici(): UndiciRuntime | Promise<UndiciRuntime> {
  if (loaded !== undefined) return loaded;
  loading ??= agentAndFetch().then(
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

/**
 * undici's `Agent` and `fetch` from their own modules: undici's index also loads its mock agents,
 * proxies, caches, WebSocket and EventSource, 110 files where these need 41, which a first call
 * pays for. undici has no "exports" map, so these paths are reachable; if a release moves them,
 * the index is the fallback (and test/cold-start.test.ts notices).
 */
async function agentAndFetch(): Promise<{ Agent: typeof Agent; fetch: FetchLike }> {
  try {
    // Specifiers in variables: these files have no type declarations of their own.
    const agentModule = 'undici/lib/dispatcher/agent.js';
    const fetchModule = 'undici/lib/web/fetch/index.js';
    const [agent, fetching] = (await Promise.all([import(agentModule), import(fetchModule)])) as [
      { default: typeof Agent },
      { fetch: typeof undiciFetch },
    ];
    if (typeof agent.default === 'function' && typeof fetching.fetch === 'function') {
      return { Agent: agent.default, fetch: fetching.fetch };
    }
  } catch {
    // Moved in this undici release: the index has them.
  }
  const { Agent: indexAgent, fetch } = await import('undici');
  return { Agent: indexAgent, fetch };
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
