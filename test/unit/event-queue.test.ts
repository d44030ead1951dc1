import { type EventReceiver, memoryAdapter, NetError, type NodeEvent, split } from "message-io";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../../src/event-queue.js";
import { FakeClock } from "./fake-clock.js";

/** Everything queued right now, without waiting. */
function drain<S>(receiver: EventReceiver<S>, max = 10_000): NodeEvent<S>[] {
  const events: NodeEvent<S>[] = [];
  for (let event = receiver.tryReceive(); event !== undefined; event = receiver.tryReceive()) {
    events.push(event);
    if (events.length > max) throw new Error("more events than expected");
  }
  return events;
}

/** The signals among `events`, in order; fails on any other event. */
function signals<S>(events: NodeEvent<S>[]): S[] {
  return events.map((e) => {
    if (e.type !== "signal") throw new Error(`expected a signal, got ${e.type}`);
    return e.signal;
  });
}

/** Lets pending I/O callbacks and microtasks run (the memory adapter reports through microtasks). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function node<S>(clock = new FakeClock()) {
  const { handler, listener } = split<S>({ clock });
  return { handler, receiver: listener.enqueue(), clock };
}

describe("signals", () => {
  it("delivers standard signals in the order sent", () => {
    const { handler, receiver } = node<number>();
    for (let i = 0; i < 100; i++) handler.signals.send(i);
    expect(signals(drain(receiver))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("delivers priority signals before standard ones, in the order sent", () => {
    const { handler, receiver } = node<string>();
    handler.signals.send("a");
    handler.signals.send("b");
    handler.signals.sendWithPriority("p1");
    handler.signals.send("c");
    handler.signals.sendWithPriority("p2");
    expect(signals(drain(receiver))).toEqual(["p1", "p2", "a", "b", "c"]);
  });

  it("delivers a priority signal sent between receives ahead of what is still queued", () => {
    const { handler, receiver } = node<string>();
    handler.signals.send("a");
    handler.signals.send("b");
    expect(signals([receiver.tryReceive() as NodeEvent<string>])).toEqual(["a"]);
    handler.signals.sendWithPriority("p");
    expect(signals(drain(receiver))).toEqual(["p", "b"]);
  });

  it("delivers priority signals before network events already queued; standard ones after them", async () => {
    const adapter = memoryAdapter();
    const { handler, listener } = split<string>({ adapters: [adapter], clock: new FakeClock() });
    const receiver = listener.enqueue();
    await handler.network.listen("memory", "self:1");
    handler.network.connect("memory", "self:1");
    await nextTurn();
    handler.signals.send("standard");
    handler.signals.sendWithPriority("priority");
    const names = drain(receiver).map((e) => (e.type === "signal" ? e.signal : e.type));
    expect(names[0]).toBe("priority");
    expect([...names.slice(1, 3)].sort()).toEqual(["accepted", "connected"]);
    expect(names.slice(3)).toEqual(["standard"]);
    handler.stop();
  });

  it("ignores signals sent after stop()", () => {
    const { handler, receiver } = node<string>();
    handler.signals.send("before");
    handler.stop();
    handler.signals.send("after");
    handler.signals.sendWithPriority("after!");
    expect(receiver.tryReceive()).toBeUndefined();
  });
});

describe("timers", () => {
  it("never fire earlier than asked", () => {
    const { handler, receiver, clock } = node<string>();
    handler.signals.sendWithTimer("t", 100);
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(99);
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(1);
    expect(signals(drain(receiver))).toEqual(["t"]);
    clock.advance(1000);
    expect(receiver.tryReceive()).toBeUndefined();
  });

  it("count from the time they were set", () => {
    const { handler, receiver, clock } = node<string>(new FakeClock({ start: 5000 }));
    clock.advance(37);
    handler.signals.sendWithTimer("t", 10);
    clock.advance(9);
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(1);
    expect(signals(drain(receiver))).toEqual(["t"]);
  });

  it("never fire early even when the platform's timer runs before the fine clock's due time", () => {
    // Node's timers count whole milliseconds while performance.now() does not: a timeout can run
    // up to 1 ms before now() + ms. The queue must check the time, not trust the platform.
    const { handler, receiver, clock } = node<string>(new FakeClock({ start: 0.75, coarseTimers: true }));
    handler.signals.sendWithTimer("t", 10); // due at 10.75
    clock.advance(9.5); // 10.25: the platform timeout (due at 10) has run
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(0.49); // 10.74
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(0.26); // 11.00
    expect(signals(drain(receiver))).toEqual(["t"]);
  });

  it("fire in due order, ties in the order set", () => {
    const { handler, receiver, clock } = node<string>();
    handler.signals.sendWithTimer("c@30", 30);
    handler.signals.sendWithTimer("a@10", 10);
    handler.signals.sendWithTimer("b@20", 20);
    handler.signals.sendWithTimer("a'@10", 10);
    handler.signals.sendWithTimer("z@0", 0);
    handler.signals.sendWithTimer("b'@20", 20);
    clock.advance(30);
    expect(signals(drain(receiver))).toEqual(["z@0", "a@10", "a'@10", "b@20", "b'@20", "c@30"]);
  });

  it("fire one by one as time passes", () => {
    const { handler, receiver, clock } = node<number>();
    const dues = [50, 10, 40, 20, 30];
    for (const due of dues) handler.signals.sendWithTimer(due, due);
    const seen: number[][] = [];
    for (let t = 0; t < 50; t += 10) {
      clock.advance(10);
      seen.push(signals(drain(receiver)));
    }
    expect(seen).toEqual([[10], [20], [30], [40], [50]]);
  });

  it("join the standard queue when due: behind what was queued before, ahead of what comes after", () => {
    const { handler, receiver, clock } = node<string>();
    handler.signals.sendWithTimer("timer", 10);
    handler.signals.send("before");
    clock.advance(10);
    handler.signals.send("after");
    handler.signals.sendWithPriority("priority");
    expect(signals(drain(receiver))).toEqual(["priority", "before", "timer", "after"]);
  });

  it("cancelTimer: true for a pending timer, false once cancelled, fired, or unknown", () => {
    const { handler, receiver, clock } = node<string>();
    const kept = handler.signals.sendWithTimer("kept", 10);
    const cancelled = handler.signals.sendWithTimer("cancelled", 10);
    expect(handler.signals.cancelTimer(cancelled)).toBe(true);
    expect(handler.signals.cancelTimer(cancelled)).toBe(false);
    clock.advance(10);
    // Fired (queued) but not yet received: already too late to cancel.
    expect(handler.signals.cancelTimer(kept)).toBe(false);
    expect(signals(drain(receiver))).toEqual(["kept"]);
    expect(handler.signals.cancelTimer(kept)).toBe(false);
    expect(handler.signals.cancelTimer(123_456_789)).toBe(false);
  });

  it("a cancelled timer never fires, and the others keep their times", () => {
    const { handler, receiver, clock } = node<string>();
    handler.signals.sendWithTimer("a", 10);
    const b = handler.signals.sendWithTimer("b", 5);
    handler.signals.sendWithTimer("c", 20);
    handler.signals.cancelTimer(b);
    clock.advance(9);
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(1);
    expect(signals(drain(receiver))).toEqual(["a"]);
    clock.advance(10);
    expect(signals(drain(receiver))).toEqual(["c"]);
  });

  it("hold at most one platform timer, and none once every timer is cancelled", () => {
    const clock = new FakeClock();
    const { handler, receiver } = node<number>(clock);
    const ids: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      ids.push(handler.signals.sendWithTimer(i, 1 + (i % 97)));
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    for (const id of ids) expect(handler.signals.cancelTimer(id)).toBe(true);
    expect(clock.pending).toBe(0);
    clock.advance(1000);
    expect(receiver.tryReceive()).toBeUndefined();
  });

  it("share one platform timer: timers set behind the earliest do not re-arm it", () => {
    const clock = new FakeClock();
    const { handler, receiver } = node<number>(clock);
    for (let i = 1; i <= 10_000; i++) handler.signals.sendWithTimer(i, i);
    expect(clock.created).toBe(1);
    clock.advance(10_000);
    expect(drain(receiver, 20_000).length).toBe(10_000);
  });

  it("keep working through many set+cancel cycles around a long-lived timer", () => {
    const clock = new FakeClock();
    const { handler, receiver } = node<string>(clock);
    handler.signals.sendWithTimer("long", 1000);
    for (let i = 0; i < 20_000; i++) {
      const id = handler.signals.sendWithTimer("short", 10 + (i % 50));
      expect(handler.signals.cancelTimer(id)).toBe(true);
      if (i % 1000 === 0) clock.advance(1);
    }
    expect(clock.pending).toBeLessThanOrEqual(1);
    expect(receiver.tryReceive()).toBeUndefined();
    clock.advance(1000);
    expect(signals(drain(receiver))).toEqual(["long"]);
    expect(clock.pending).toBe(0);
  });

  it("never fire after stop(), and release the platform timer", () => {
    const clock = new FakeClock();
    const { handler, receiver } = node<string>(clock);
    const id = handler.signals.sendWithTimer("t", 10);
    handler.stop();
    expect(clock.pending).toBe(0);
    clock.advance(100);
    expect(receiver.tryReceive()).toBeUndefined();
    expect(handler.signals.cancelTimer(id)).toBe(false);
  });

  it("set after stop() never fire and hold no platform timer", () => {
    const clock = new FakeClock();
    const { handler, receiver } = node<string>(clock);
    handler.stop();
    const id = handler.signals.sendWithTimer("t", 10);
    expect(clock.pending).toBe(0);
    clock.advance(100);
    expect(receiver.tryReceive()).toBeUndefined();
    expect(handler.signals.cancelTimer(id)).toBe(false);
  });

  it("reject a negative or non-numeric delay with INVALID_ARGUMENT", () => {
    const { handler } = node<string>();
    for (const ms of [-1, Number.NaN, "10" as unknown as number]) {
      let thrown: unknown;
      try {
        handler.signals.sendWithTimer("t", ms);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(NetError);
      expect((thrown as NetError).code).toBe("INVALID_ARGUMENT");
    }
  });

  it("deliver through forEach in due order", async () => {
    const clock = new FakeClock();
    const { handler, listener } = split<number>({ clock });
    const seen: number[] = [];
    const done = listener.forEach((e) => {
      if (e.type !== "signal") throw new Error(`unexpected ${e.type}`);
      seen.push(e.signal);
      if (seen.length === 3) handler.stop();
    });
    handler.signals.sendWithTimer(3, 30);
    handler.signals.sendWithTimer(1, 10);
    handler.signals.sendWithTimer(2, 20);
    clock.advance(30);
    await done;
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe("deferred work (a cluster's group messages)", () => {
  it("runs in queue order, once everything before it was taken, and is never delivered as an event", () => {
    const queue = new EventQueue<string>(new FakeClock());
    const ran: string[] = [];
    const released: number[] = [];
    const owner = { dropped: false, delivered: (bytes: number) => released.push(bytes) };
    queue.pushSignal("before");
    queue.pushDeferred(() => ran.push("first"), 3, owner);
    queue.pushSignal("between");
    queue.pushDeferred(() => ran.push("second"), 5, owner);
    expect(queue.next()).toEqual({ type: "signal", signal: "before" });
    expect(ran).toEqual([]); // still behind "before" until that was taken
    expect(queue.next()).toEqual({ type: "signal", signal: "between" });
    expect(ran).toEqual(["first"]);
    expect(queue.next()).toBeUndefined();
    expect(ran).toEqual(["first", "second"]);
    expect(released).toEqual([3, 5]); // the owner's inbound accounting is released
  });

  it("is discarded with its owner", () => {
    const queue = new EventQueue<string>(new FakeClock());
    const owner = { dropped: false };
    let ran = false;
    queue.pushDeferred(
      () => {
        ran = true;
      },
      1,
      owner,
    );
    owner.dropped = true;
    expect(queue.next()).toBeUndefined();
    expect(ran).toBe(false);
  });
});
