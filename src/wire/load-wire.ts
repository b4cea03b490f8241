import type * as Wire from './index.js';

/** The wire schemas and their helpers (zod), once loaded. */
export type WireModule = typeof Wire;

let loaded: WireModule | undefined;
let loading: Promise<WireModule> | undefined;

/**
 * The wire module, loaded on first use rather than at import (zod costs ~50 ms to load). Once
 * loaded it is returned as is, not as a promise, so the hot path pays no dynamic `import()`.
 */
export function loadWire(): WireModule | Promise<WireModule> {
  if (loaded !== undefined) return loaded;
  loading ??= import('./index.js').then(
    (module) => (loaded = module),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
