/** A binary min-heap of timers ordered by due time, then by the order they were set. */
export interface TimerEntry<T> {
  readonly id: number;
  readonly due: number;
  readonly value: T;
}

export class TimerHeap<T> {
  private readonly heap: TimerEntry<T>[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): TimerEntry<T> | undefined {
    return this.heap[0];
  }

  push(entry: TimerEntry<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as TimerEntry<T>, heap[parent] as TimerEntry<T>)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  pop(): TimerEntry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as TimerEntry<T>, heap[smallest] as TimerEntry<T>)) smallest = left;
      if (right < heap.length && before(heap[right] as TimerEntry<T>, heap[smallest] as TimerEntry<T>))
        smallest = right;
      if (smallest === i) return top;
      swap(heap, i, smallest);
      i = smallest;
    }
  }

  /** Drops every entry `keep` rejects, in O(n). */
  retain(keep: (entry: TimerEntry<T>) => boolean): void {
    const kept = this.heap.filter(keep);
    this.heap.length = 0;
    for (const entry of kept) this.push(entry);
  }

  clear(): void {
    this.heap.length = 0;
  }
}

// Ids grow with every timer set, so they break ties in the order the timers were set.
function before<T>(a: TimerEntry<T>, b: TimerEntry<T>): boolean {
  return a.due < b.due || (a.due === b.due && a.id < b.id);
}

function swap<T>(heap: T[], i: number, j: number): void {
  const tmp = heap[i] as T;
  heap[i] = heap[j] as T;
  heap[j] = tmp;
}
