/** How wide a group of spent states is: all of a group is forgotten at once. */
const GROUP_MS = 60_000;

/**
 * The nonces of server-mode states this process has accepted, each kept until its state expires
 * (after that the state is refused as expired anyway). Memory is bounded by the states accepted
 * within one state lifetime, never by evicting one early: an evicted nonce could be replayed.
 * Nonces are grouped by the minute their state expires, so forgetting is dropping whole groups.
 */
export class SpentStates {
  readonly #groups = new Map<number, Set<string>>();

  /** How many nonces are remembered. */
  get size(): number {
    let size = 0;
    for (const group of this.#groups.values()) size += group.size;
    return size;
  }

  /**
   * Records the nonce of a state valid until `expiresAt` (epoch ms). `false` when it was already
   * recorded: the state is being used a second time.
   */
  spend(nonce: string, expiresAt: number, now: number): boolean {
    this.#forgetExpired(now);
    const key = Math.ceil(expiresAt / GROUP_MS);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = new Set();
      this.#groups.set(key, group);
    }
    if (group.has(nonce)) return false;
    group.add(nonce);
    return true;
  }

  #forgetExpired(now: number): void {
    // A group's states all expire at or before its end.
    for (const key of this.#groups.keys()) if (key * GROUP_MS <= now) this.#groups.delete(key);
  }
}

/** The states accepted in this process, by every `UserAuthenticator`: a state completes once per process. */
export const spentStates = new SpentStates();
