/**
 * Calls a user callback: one that throws must not break the manager or pool that called it, so
 * its error becomes a process warning (type `TokenManagerWarning`). @internal
 */
export function notify<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (callback === undefined) return;
  try {
    callback(...args);
  } catch (error) {
    process.emitWarning(`A token callback threw: ${String(error)}`, 'TokenManagerWarning');
  }
}
