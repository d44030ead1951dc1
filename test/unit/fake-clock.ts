import type { Clock } from "message-io";

interface Scheduled {
  readonly handle: number;
  readonly due: number;
  readonly callback: () => void;
}

export interface FakeClockOptions {
  /** Where time starts (it may be fractional, like `performance.now()`). */
  start?: number;
  /**
   * Model a platform whose timers run on a whole-millisecond clock, as Node's do: a timeout set at
   * `now` is due at `floor(now) + ms`, so it may run up to 1 ms before `now + ms` on the fine clock.
   */
  coarseTimers?: boolean;
}

/** Callbacks one `advance` may run before it gives up: a runaway re-arming loop fails instead of hanging. */
const MAX_CALLBACKS_PER_ADVANCE = 100_000;

/** A manual clock: time moves only through `advance`, which runs due callbacks in order. */
export class FakeClock implements Clock {
  private time: number;
  private lastHandle = 0;
  private readonly scheduled = new Map<number, Scheduled>();
  private readonly coarse: boolean;
  /** Every `setTimeout` ever made, for tests that count platform timers. */
  created = 0;

  constructor(options: FakeClockOptions = {}) {
    this.time = options.start ?? 0;
    this.coarse = options.coarseTimers ?? false;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.lastHandle += 1;
    this.created += 1;
    const base = this.coarse ? Math.floor(this.time) : this.time;
    const entry = { handle: this.lastHandle, due: base + Math.max(0, ms), callback };
    this.scheduled.set(entry.handle, entry);
    return entry.handle;
  }

  clearTimeout(handle: unknown): void {
    this.scheduled.delete(handle as number);
  }

  /** Callbacks set and neither run nor cleared. */
  get pending(): number {
    return this.scheduled.size;
  }

  /**
   * Moves time forward by `ms`, running every callback that falls due on the way, earliest first
   * (ties in the order they were set), with `now()` reading each one's due time while it runs.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot advance by ${ms}`);
    const target = this.time + ms;
    for (let ran = 0; ; ran++) {
      if (ran >= MAX_CALLBACKS_PER_ADVANCE) throw new Error("fake clock: too many callbacks in one advance");
      const next = this.earliest();
      if (next === undefined || next.due > target) break;
      this.scheduled.delete(next.handle);
      this.time = Math.max(this.time, next.due);
      next.callback();
    }
    this.time = target;
  }

  /**
   * Moves time forward by `ms` and runs nothing: a loop blocked, or timers throttled (a background
   * tab). The next `advance` runs what fell due meanwhile, late: `now()` reads the later time.
   */
  stall(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot stall by ${ms}`);
    this.time += ms;
  }

  private earliest(): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const entry of this.scheduled.values()) {
      if (best === undefined || entry.due < best.due || (entry.due === best.due && entry.handle < best.handle)) {
        best = entry;
      }
    }
    return best;
  }
}
