import { type EventReceiver, memoryAdapter, NetError, type NodeEvent, split } from "message-io";
import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { expectRejectsCode, thrownBy, turns } from "./helpers.js";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Tracks whether a promise has settled, and how, without awaiting it. */
function watch<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

function signalOf<S>(event: NodeEvent<S> | undefined): S {
  if (event?.type !== "signal") throw new Error(`expected a signal, got ${event?.type}`);
  return event.signal;
}

describe("one consumer", () => {
  it("keeps events sent before forEach and delivers them in order", async () => {
    const { handler, listener } = split<number>();
    for (let i = 1; i <= 5; i++) handler.signals.send(i);
    const seen: number[] = [];
    await listener.forEach((e) => {
      seen.push(signalOf(e));
      if (seen.length === 5) handler.stop();
    });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps network events that happened before forEach", async () => {
    const { handler, listener } = split<never>({ adapters: [memoryAdapter()] });
    await handler.network.listen("memory", "self:1");
    const endpoint = handler.network.connect("memory", "self:1");
    await turns();
    const seen: string[] = [];
    await listener.forEach((e) => {
      seen.push(e.type);
      if (e.type === "connected") expect(e.endpoint).toBe(endpoint);
      if (seen.length === 2) handler.stop();
    });
    expect(seen.sort()).toEqual(["accepted", "connected"]);
  });

  it("keeps events sent before enqueue", () => {
    const { handler, listener } = split<number>();
    handler.signals.send(1);
    handler.signals.send(2);
    const receiver = listener.enqueue();
    expect(signalOf(receiver.tryReceive())).toBe(1);
    expect(signalOf(receiver.tryReceive())).toBe(2);
    expect(receiver.tryReceive()).toBeUndefined();
  });

  it.each([
    ["forEach", "forEach"],
    ["forEach", "enqueue"],
    ["enqueue", "forEach"],
    ["enqueue", "enqueue"],
  ] as const)(
    "%s then %s throws LISTENER_IN_USE synchronously, and the first consumer keeps working",
    async (first, second) => {
      const { handler, listener } = split<string>();
      const seen: string[] = [];
      let done: Promise<void> | undefined;
      let receiver: EventReceiver<string> | undefined;
      if (first === "enqueue") receiver = listener.enqueue();
      else {
        done = listener.forEach((e) => {
          seen.push(signalOf(e));
          handler.stop();
        });
      }
      const error = thrownBy(() => (second === "enqueue" ? listener.enqueue() : listener.forEach(() => {})));
      expect(error).toBeInstanceOf(NetError);
      expect((error as NetError).code).toBe("LISTENER_IN_USE");
      handler.signals.send("still mine");
      if (receiver !== undefined) {
        expect(signalOf(await receiver.receive())).toBe("still mine");
        handler.stop();
      } else {
        await done;
        expect(seen).toEqual(["still mine"]);
      }
    },
  );
});

describe("forEach", () => {
  it("delivers one event at a time: a signal sent inside the callback waits for it to return", async () => {
    const { handler, listener } = split<number>();
    let depth = 0;
    let maxDepth = 0;
    const seen: number[] = [];
    handler.signals.send(0);
    await listener.forEach((e) => {
      depth += 1;
      maxDepth = Math.max(maxDepth, depth);
      const n = signalOf(e);
      seen.push(n);
      if (n < 5) handler.signals.send(n + 1);
      else handler.stop();
      depth -= 1;
    });
    expect(maxDepth).toBe(1);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("stops the node and rejects with the very error a callback throws", async () => {
    const { handler, listener } = split<string>();
    const failure = new Error("boom");
    const seen: string[] = [];
    handler.signals.send("a");
    handler.signals.send("b");
    handler.signals.send("c");
    const done = listener.forEach((e) => {
      seen.push(signalOf(e));
      if (seen.length === 2) throw failure;
    });
    await expect(done).rejects.toBe(failure);
    expect(handler.isRunning()).toBe(false);
    expect(seen).toEqual(["a", "b"]);
    expect(thrownBy(() => handler.network.connect("tcp", "127.0.0.1:1"))).toMatchObject({ code: "STOPPED" });
  });

  it("holds the next event until a returned promise settles", async () => {
    const { handler, listener } = split<string>();
    const gate = deferred();
    const seen: string[] = [];
    handler.signals.send("first");
    handler.signals.send("second");
    const done = listener.forEach((e) => {
      seen.push(signalOf(e));
      if (seen.length === 1) return gate.promise;
      handler.stop();
      return undefined;
    });
    await turns();
    handler.signals.send("third");
    await turns();
    expect(seen).toEqual(["first"]);
    gate.resolve();
    await done;
    expect(seen).toEqual(["first", "second"]);
  });

  it("stops the node and rejects with the reason of a rejected promise", async () => {
    const { handler, listener } = split<string>();
    const failure = new Error("async boom");
    const seen: string[] = [];
    handler.signals.send("a");
    handler.signals.send("b");
    const done = listener.forEach(async (e) => {
      seen.push(signalOf(e));
      await Promise.resolve();
      throw failure;
    });
    await expect(done).rejects.toBe(failure);
    expect(handler.isRunning()).toBe(false);
    expect(seen).toEqual(["a"]);
  });

  it("resolves when stop() is called from outside, while idle", async () => {
    const { handler, listener } = split<string>();
    const state = watch(listener.forEach(() => {}));
    await turns();
    expect(state.settled).toBe(false);
    handler.stop();
    await turns(1);
    expect(state).toEqual({ settled: true, value: undefined });
  });

  it("resolves when stop() is called inside the callback, and delivers nothing after it", async () => {
    const { handler, listener } = split<number>();
    for (let i = 0; i < 10; i++) handler.signals.send(i);
    const seen: number[] = [];
    await listener.forEach((e) => {
      seen.push(signalOf(e));
      if (seen.length === 3) handler.stop();
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(handler.isRunning()).toBe(false);
  });

  it("resolves when the node stops while a returned promise is pending, and delivers nothing more", async () => {
    const { handler, listener } = split<number>();
    const gate = deferred();
    const seen: number[] = [];
    handler.signals.send(1);
    handler.signals.send(2);
    const done = listener.forEach(async (e) => {
      seen.push(signalOf(e));
      await gate.promise;
    });
    await turns();
    handler.stop();
    await done;
    gate.resolve();
    await turns();
    expect(seen).toEqual([1]);
  });

  it("resolves at once when the node is already stopped", async () => {
    const { handler, listener } = split<number>();
    handler.signals.send(1);
    handler.stop();
    const seen: unknown[] = [];
    await listener.forEach((e) => {
      seen.push(e);
    });
    expect(seen).toEqual([]);
  });
});

describe("enqueue", () => {
  it("tryReceive returns undefined when empty", () => {
    const { listener } = split<string>();
    const receiver = listener.enqueue();
    expect(receiver.tryReceive()).toBeUndefined();
    expect(receiver.tryReceive()).toBeUndefined();
  });

  it("receive() resolves with the next event when it comes", async () => {
    const { handler, listener } = split<string>();
    const receiver = listener.enqueue();
    const state = watch(receiver.receive());
    await turns();
    expect(state.settled).toBe(false);
    handler.signals.send("hello");
    await turns(1);
    expect(state.settled).toBe(true);
    expect(signalOf(state.value)).toBe("hello");
    handler.stop();
  });

  it("receive() resolves at once with a queued event; waiting receives are served in call order", async () => {
    const { handler, listener } = split<number>();
    const receiver = listener.enqueue();
    handler.signals.send(1);
    expect(signalOf(await receiver.receive())).toBe(1);
    const second = receiver.receive();
    const third = receiver.receive();
    handler.signals.send(2);
    handler.signals.send(3);
    expect([signalOf(await second), signalOf(await third)]).toEqual([2, 3]);
    handler.stop();
  });

  it("receiveTimeout(ms) resolves undefined when nothing came within ms, never earlier", async () => {
    const clock = new FakeClock();
    const { listener } = split<string>({ clock });
    const receiver = listener.enqueue();
    const state = watch(receiver.receiveTimeout(100));
    clock.advance(99);
    await turns(1);
    expect(state.settled).toBe(false);
    clock.advance(1);
    await turns(1);
    expect(state).toEqual({ settled: true, value: undefined });
  });

  it("receiveTimeout(ms) resolves with an event that comes in time, and leaves no timer behind", async () => {
    const clock = new FakeClock();
    const { handler, listener } = split<string>({ clock });
    const receiver = listener.enqueue();
    const pending = receiver.receiveTimeout(100);
    clock.advance(50);
    handler.signals.send("in time");
    expect(signalOf(await pending)).toBe("in time");
    expect(clock.pending).toBe(0);
  });

  it("receiveTimeout(ms) delivers a timer's signal that falls due before the timeout", async () => {
    const clock = new FakeClock();
    const { handler, listener } = split<string>({ clock });
    const receiver = listener.enqueue();
    handler.signals.sendWithTimer("tick", 30);
    const pending = receiver.receiveTimeout(100);
    clock.advance(100);
    expect(signalOf(await pending)).toBe("tick");
  });

  it("a timed-out receive does not swallow the next event", async () => {
    const clock = new FakeClock();
    const { handler, listener } = split<string>({ clock });
    const receiver = listener.enqueue();
    const timedOut = receiver.receiveTimeout(10);
    clock.advance(10);
    expect(await timedOut).toBeUndefined();
    handler.signals.send("next");
    expect(signalOf(receiver.tryReceive())).toBe("next");
  });

  it("for await ends when the node stops inside the loop", async () => {
    const { handler, listener } = split<number>();
    const receiver = listener.enqueue();
    for (let i = 0; i < 10; i++) handler.signals.send(i);
    const seen: number[] = [];
    for await (const event of receiver) {
      seen.push(signalOf(event));
      if (seen.length === 4) handler.stop();
      if (seen.length > 10) throw new Error("the iteration did not end");
    }
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it("for await ends when the node stops while it waits", async () => {
    const { handler, listener } = split<number>();
    const receiver = listener.enqueue();
    handler.signals.send(1);
    const iteration = (async () => {
      const seen: number[] = [];
      for await (const event of receiver) seen.push(signalOf(event));
      return seen;
    })();
    await turns();
    handler.stop();
    expect(await iteration).toEqual([1]);
  });

  it("receive() and receiveTimeout() reject with STOPPED after stop()", async () => {
    const { handler, listener } = split<number>();
    const receiver = listener.enqueue();
    handler.signals.send(1);
    handler.stop();
    expect(receiver.tryReceive()).toBeUndefined();
    await expectRejectsCode(receiver.receive(), "STOPPED");
    await expectRejectsCode(receiver.receiveTimeout(10), "STOPPED");
  });

  it("pending receive() and receiveTimeout() reject with STOPPED when the node stops, leaving no timer", async () => {
    const clock = new FakeClock();
    const { handler, listener } = split<number>({ clock });
    const receiver = listener.enqueue();
    const waiting = receiver.receive();
    const timed = receiver.receiveTimeout(1000);
    handler.stop();
    await expectRejectsCode(waiting, "STOPPED");
    await expectRejectsCode(timed, "STOPPED");
    expect(clock.pending).toBe(0);
  });
});

describe("fairness", () => {
  /** A node whose callback sends itself a signal for every signal: it never runs dry on its own. */
  function signalLoop() {
    const { handler, listener } = split<string>({ clock: new FakeClock() });
    let loops = 0;
    handler.signals.send("loop");
    const done = listener.forEach((e) => {
      if (e.type === "signal" && e.signal === "loop") {
        loops += 1;
        if (loops > 2_000_000) throw new Error("starved: the outside never ran");
        handler.signals.send("loop");
      }
    });
    return { handler, done, loops: () => loops };
  }

  it("lets a setImmediate from the outside run", async () => {
    const loop = signalLoop();
    setImmediate(() => loop.handler.stop());
    await loop.done;
    expect(loop.loops()).toBeGreaterThan(0);
  });

  it("lets a setTimeout(0) from the outside run", async () => {
    const loop = signalLoop();
    setTimeout(() => loop.handler.stop(), 0);
    await loop.done;
    expect(loop.loops()).toBeGreaterThan(0);
  });

  it("delivers a timer's signal in the middle of the loop", async () => {
    const clock = new FakeClock();
    const { handler, listener } = split<string>({ clock });
    let loops = 0;
    const others: string[] = [];
    handler.signals.send("loop");
    handler.signals.sendWithTimer("timer", 10);
    const done = listener.forEach((e) => {
      const signal = signalOf(e);
      if (signal !== "loop") {
        others.push(signal);
        handler.stop();
        return;
      }
      loops += 1;
      if (loops > 2_000_000) throw new Error("starved: the timer never fired");
      handler.signals.send("loop");
    });
    setImmediate(() => clock.advance(10));
    await done;
    expect(others).toEqual(["timer"]);
  });

  it("delivers a network message in the middle of the loop", async () => {
    const adapter = memoryAdapter();
    const server = split<never>({ adapters: [adapter] });
    await server.handler.network.listen("memory", "loop-server:1");
    const serverEvents = server.listener.enqueue();
    const seen: string[] = [];
    const { handler, listener } = split<string>({ adapters: [adapter] });
    await handler.network.connectAsync("memory", "loop-server:1");
    const accepted = await serverEvents.receive();
    expect(accepted.type).toBe("accepted");
    let loops = 0;
    handler.signals.send("loop");
    const done = listener.forEach((e) => {
      if (e.type === "message") {
        seen.push(new TextDecoder().decode(e.data));
        handler.stop();
        return;
      }
      if (e.type !== "signal") return;
      loops += 1;
      if (loops > 2_000_000) throw new Error("starved: the message never came");
      handler.signals.send("loop");
    });
    setImmediate(() => {
      if (accepted.type === "accepted") server.handler.network.send(accepted.endpoint, "from outside");
    });
    await done;
    expect(seen).toEqual(["from outside"]);
    server.handler.stop();
  });
});
