/**
 * Time, injected: the signal queue reads the clock and arms one platform timer through it, so tests
 * can drive timers with a manual clock instead of waiting.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Calls `callback` once, no earlier than `ms` from now on this clock's scale. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock, on the timers every JavaScript platform has. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Runs a callback on a later turn of the event loop, after pending I/O (Node: `setImmediate`). */
export type Yield = (callback: () => void) => void;

/** The portable fallback; platforms inject a faster one (setTimeout(0) is clamped to 4 ms when nested). */
export const yieldWithTimeout: Yield = (callback) => {
  globalThis.setTimeout(callback, 0);
};
