/** An entry of a {@link DueQueue}: what is due, when, and where it sits in the heap. @internal */
export interface DueEntry<T> {
  readonly item: T;
  /** When it falls due, in epoch ms. */
  at: number;
  /** Order of insertion among equal times: earlier first. */
  order: number;
  /** Position in the heap; -1 when not queued. */
  index: number;
}

/**
 * A priority queue of due times (a binary min-heap) whose entries can be moved or removed in
 * O(log n): one per key, rescheduled whenever the key's next due time changes. @internal
 */
export class DueQueue<T> {
  readonly #heap: DueEntry<T>[] = [];
  #order = 0;

  /** How many entries are queued. */
  get size(): number {
    return this.#heap.length;
  }

  /** The entry due first, without removing it. */
  peek(): DueEntry<T> | undefined {
    return this.#heap[0];
  }

  /** Queues `entry` at `at`, or moves it there if it is queued already. */
  set(entry: DueEntry<T>, at: number): void {
    if (entry.index === -1) {
      entry.at = at;
      entry.order = this.#order++;
      entry.index = this.#heap.length;
      this.#heap.push(entry);
      this.#up(entry.index);
      return;
    }
    const earlier = at < entry.at;
    entry.at = at;
    if (earlier) this.#up(entry.index);
    else this.#down(entry.index);
  }

  /** Removes `entry` if it is queued. */
  delete(entry: DueEntry<T>): void {
    const index = entry.index;
    if (index === -1) return;
    const last = this.#heap.pop();
    entry.index = -1;
    if (last === undefined || last === entry) return;
    this.#heap[index] = last;
    last.index = index;
    this.#up(index);
    this.#down(last.index);
  }

  /** Removes and returns the entry due first. */
  shift(): DueEntry<T> | undefined {
    const first = this.#heap[0];
    if (first !== undefined) this.delete(first);
    return first;
  }

  /** Removes every entry. */
  clear(): void {
    for (const entry of this.#heap) entry.index = -1;
    this.#heap.length = 0;
  }

  #before(a: DueEntry<T>, b: DueEntry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #up(start: number): void {
    let index = start;
    const entry = this.#heap[index];
    if (entry === undefined) return;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.#heap[parentIndex];
      if (parent === undefined || !this.#before(entry, parent)) break;
      this.#heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    this.#heap[index] = entry;
    entry.index = index;
  }

  #down(start: number): void {
    let index = start;
    const entry = this.#heap[index];
    if (entry === undefined) return;
    for (;;) {
      const leftIndex = 2 * index + 1;
      const left = this.#heap[leftIndex];
      if (left === undefined) break;
      const right = this.#heap[leftIndex + 1];
      const [childIndex, child] =
        right !== undefined && this.#before(right, left) ? [leftIndex + 1, right] : [leftIndex, left];
      if (!this.#before(child, entry)) break;
      this.#heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    this.#heap[index] = entry;
    entry.index = index;
  }
}
