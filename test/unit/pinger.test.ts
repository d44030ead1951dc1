/**
 * The pinger's verdict on a silent peer (LAYERS.md section 2: two intervals without an answer end
 * it), on a clock whose timers the test fires itself, on time or late.
 */
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock.js";
import { Pinger } from "../../src/layer/identity/pinger.js";

/** A clock whose single pending timer the test runs at the time it chooses. */
class HandClock implements Clock {
  time = 0;
  private callback: (() => void) | undefined;
  now = () => this.time;
  setTimeout(callback: () => void): unknown {
    this.callback = callback;
    return 1;
  }
  clearTimeout(): void {
    this.callback = undefined;
  }
  /** Runs the pending timer at `time`. */
  fireAt(time: number): void {
    const callback = this.callback;
    this.callback = undefined;
    this.time = time;
    callback?.();
  }
}

function pinger(clock: HandClock) {
  const pings: number[] = [];
  let silent = 0;
  const target = {
    sendPing: (sequence: number) => pings.push(sequence),
    silent: () => silent++,
    isPaused: () => false,
  };
  return { pinger: new Pinger(clock, 40, target), pings, silent: () => silent };
}

describe("Pinger", () => {
  it("ends a peer silent for two intervals", () => {
    const clock = new HandClock();
    const { pings, silent } = pinger(clock);
    clock.fireAt(40);
    clock.fireAt(80);
    expect(pings).toEqual([1]);
    expect(silent()).toBe(1);
  });

  it("does not count a stall of its own as the peer's silence, and still ends a dead peer after it", () => {
    const clock = new HandClock();
    const { pinger: p, pings, silent } = pinger(clock);
    clock.fireAt(40);
    clock.time = 41;
    p.heard();
    p.pong(1);
    // The event loop was busy for 120 ms: the tick due at 80 runs at 200, the peer's pong may be unread.
    clock.fireAt(200);
    expect(silent()).toBe(0);
    expect(pings).toEqual([1, 2]);
    expect(p.rtt).toBe(1);
    // Nothing more comes: two intervals of our own running time later, the peer is dead.
    clock.fireAt(240);
    expect(silent()).toBe(0);
    clock.fireAt(280);
    expect(silent()).toBe(1);
  });
});
