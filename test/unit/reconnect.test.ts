/**
 * `reconnect` (LAYERS.md section 4) on the in-memory transport, with the client's timers on a
 * manual clock: every event sequence, exactly, without waiting for a real backoff.
 */
import {
  type Adapter,
  type ConnectionSink,
  type Endpoint,
  ErrorCode,
  type EventReceiver,
  memoryAdapter,
  NetError,
  type NodeEvent,
  type Peer,
  type ReconnectOptions,
  type ResourceId,
  SendStatus,
  split,
} from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { expectRejectsCode, expectThrowsCode, text, turns } from "./helpers.js";

const MEM = "mem";
const SERVER = "server:1";
/** Delays without jitter: 100, 200, 400, then 500 at most. */
const PLAIN: ReconnectOptions = { initialDelay: 100, factor: 2, maxDelay: 500, jitter: 0 };

/** A short, comparable line per event. */
function line(event: NodeEvent<string>): string {
  switch (event.type) {
    case "connected":
      return event.ok ? `connected${event.peer ? ` ${event.peer.id}` : ""}` : `connected failed ${event.error.code}`;
    case "reconnecting":
      return `reconnecting ${event.attempt} in ${event.delay}${event.error ? ` ${event.error.code}` : ""}`;
    case "reconnected":
      return `reconnected${event.peer ? ` ${event.peer.id}` : ""}`;
    case "disconnected":
      return `disconnected${event.error ? ` ${event.error.code}` : ""}`;
    case "message":
      return `message ${text(event.data)}`;
    case "accepted":
      return "accepted";
    case "signal":
      return `signal ${event.signal}`;
  }
}

/**
 * Hands an identity-like verdict to the reconnecting client: wraps an adapter so that a test can
 * make the next link end with a code (`REJECTED` at the handshake, `REPLACED` later), and give a peer.
 */
function verdictAdapter(inner: Adapter) {
  let live: { sink: ConnectionSink; close(): void } | undefined;
  const control = {
    /** The code the next handshake fails with, instead of `ready`. */
    rejectNext: undefined as string | undefined,
    peer: undefined as Peer<unknown> | undefined,
    /** Ends the live link with `code`, as identity does for `REPLACED`. */
    end(code: string) {
      const current = live;
      live = undefined;
      current?.close();
      current?.sink.closed(new NetError(code, `ended with ${code}`));
    },
  };
  const adapter: Adapter = {
    ...inner,
    connect(request) {
      const outer = request.sink;
      const connection = inner.connect!({
        ...request,
        sink: {
          ready: () => {
            const code = control.rejectNext;
            if (code === undefined) {
              live = { sink: outer, close: () => connection.close() };
              outer.ready(control.peer);
              return;
            }
            connection.close();
            outer.closed(new NetError(code, "refused"));
          },
          data: (bytes) => outer.data(bytes),
          closed: (error) => outer.closed(error),
        },
      });
      return connection;
    },
  };
  return { adapter, control };
}

class Setup {
  readonly clock = new FakeClock();
  readonly memory = memoryAdapter(MEM);
  readonly verdict = verdictAdapter(this.memory);
  readonly client = split<string>({ adapters: [this.verdict.adapter], clock: this.clock });
  readonly clientEvents: EventReceiver<string> = this.client.listener.enqueue();
  readonly server = split<string>({ adapters: [this.memory] });
  readonly serverEvents: EventReceiver<string> = this.server.listener.enqueue();
  private listenerId: ResourceId | undefined;

  async listen(): Promise<void> {
    this.listenerId = (await this.server.handler.network.listen(MEM, SERVER)).id;
  }

  /** Stops listening (new attempts are refused) and ends every accepted link (cleanly). */
  async serverGone(): Promise<void> {
    const network = this.server.handler.network;
    if (this.listenerId !== undefined) network.remove(this.listenerId);
    this.listenerId = undefined;
    for (const event of this.drainServer()) {
      if (event.type === "accepted") network.remove(event.endpoint.id);
    }
    await turns();
  }

  /** A fresh setup with the server listening and the client linked to it. */
  static async linked(reconnect: ReconnectOptions = PLAIN): Promise<{ setup: Setup; endpoint: Endpoint }> {
    const fresh = new Setup();
    await fresh.listen();
    const endpoint = fresh.connect(reconnect);
    expect(await fresh.events()).toEqual(["connected"]);
    return { setup: fresh, endpoint };
  }

  connect(reconnect: ReconnectOptions | true = PLAIN, options: Record<string, unknown> = {}): Endpoint {
    return this.client.handler.network.connect(MEM, SERVER, { reconnect, ...options });
  }

  /** The client's events so far, as lines. */
  async events(): Promise<string[]> {
    await turns();
    const lines: string[] = [];
    for (let event = this.clientEvents.tryReceive(); event !== undefined; event = this.clientEvents.tryReceive()) {
      lines.push(line(event));
    }
    return lines;
  }

  /** Moves the client's clock on, then lets the attempt that fell due report. */
  async advance(ms: number): Promise<string[]> {
    this.clock.advance(ms);
    return this.events();
  }

  private serverBacklog: NodeEvent<string>[] = [];
  /** The server's events not yet taken. */
  drainServer(): NodeEvent<string>[] {
    const taken = this.serverBacklog;
    this.serverBacklog = [];
    for (let event = this.serverEvents.tryReceive(); event !== undefined; event = this.serverEvents.tryReceive()) {
      taken.push(event);
    }
    return taken;
  }

  async serverMessages(): Promise<string[]> {
    await turns();
    const events = this.drainServer();
    this.serverBacklog = events.filter((e) => e.type === "accepted");
    return events.filter((e) => e.type === "message").map(line);
  }

  stop(): void {
    this.client.handler.stop();
    this.server.handler.stop();
  }
}

let setup: Setup;
afterEach(() => setup?.stop());

describe("before the first link", () => {
  it("retries a refused connect with growing delays, then connects once the server is there", async () => {
    setup = new Setup();
    const endpoint = setup.connect();
    expect(await setup.events()).toEqual(["reconnecting 2 in 100 ECONNREFUSED"]);
    expect(await setup.advance(100)).toEqual(["reconnecting 3 in 200 ECONNREFUSED"]);
    expect(await setup.advance(200)).toEqual(["reconnecting 4 in 400 ECONNREFUSED"]);
    expect(await setup.advance(400)).toEqual(["reconnecting 5 in 500 ECONNREFUSED"]);
    await setup.listen();
    expect(await setup.advance(499)).toEqual([]);
    const connected = setup.clientEvents;
    setup.clock.advance(1);
    await turns();
    const event = connected.tryReceive();
    expect(event?.type === "connected" && event.ok && event.endpoint === endpoint).toBe(true);
    expect(setup.client.handler.network.isReady(endpoint.id)).toBe(true);
    expect(setup.clock.pending).toBe(0);
  });

  it("gives up after maxAttempts (the first connect included) with one connected ok:false, and nothing more", async () => {
    setup = new Setup();
    const endpoint = setup.connect({ ...PLAIN, maxAttempts: 3 });
    expect(await setup.events()).toEqual(["reconnecting 2 in 100 ECONNREFUSED"]);
    expect(await setup.advance(100)).toEqual(["reconnecting 3 in 200 ECONNREFUSED"]);
    expect(await setup.advance(200)).toEqual(["connected failed ECONNREFUSED"]);
    expect(setup.clock.pending).toBe(0);
    await setup.listen();
    expect(await setup.advance(10_000)).toEqual([]);
    const network = setup.client.handler.network;
    expect(network.isReady(endpoint.id)).toBeUndefined();
    expect(network.send(endpoint, "x")).toBe(SendStatus.ResourceNotFound);
    expect(network.remove(endpoint.id)).toBe(false);
  });

  it("maxAttempts 1 is a plain connect: its failure is the connected ok:false", async () => {
    setup = new Setup();
    setup.connect({ maxAttempts: 1 });
    expect(await setup.events()).toEqual(["connected failed ECONNREFUSED"]);
  });

  it("a REJECTED handshake is final: connected ok:false at once, no retry", async () => {
    setup = new Setup();
    await setup.listen();
    setup.verdict.control.rejectNext = ErrorCode.Rejected;
    setup.connect();
    expect(await setup.events()).toEqual(["connected failed REJECTED"]);
    expect(setup.clock.pending).toBe(0);
  });

  it("connectAsync resolves at the first link after failures, and rejects when it gives up", async () => {
    setup = new Setup();
    const network = setup.client.handler.network;
    const linked = network.connectAsync(MEM, SERVER, { reconnect: PLAIN });
    await setup.events();
    await setup.listen();
    setup.clock.advance(100);
    const endpoint = await linked;
    expect(network.isReady(endpoint.id)).toBe(true);
    await setup.serverGone();
    const failed = network.connectAsync(MEM, SERVER, { reconnect: { ...PLAIN, maxAttempts: 2 } });
    await turns();
    setup.clock.advance(100);
    await expectRejectsCode(failed, "ECONNREFUSED");
  });
});

describe("after a link", () => {
  it("a drop gives reconnecting attempt 1 after initialDelay, a link back gives reconnected; numbering restarts after every link", async () => {
    let endpoint: Endpoint;
    ({ setup, endpoint } = await Setup.linked());

    // A clean close by the server: a drop like any other, without an error.
    await setup.serverGone();
    expect(await setup.events()).toEqual(["reconnecting 1 in 100"]);
    expect(setup.client.handler.network.isReady(endpoint.id)).toBe(false);
    expect(await setup.advance(100)).toEqual(["reconnecting 2 in 200 ECONNREFUSED"]);
    expect(await setup.advance(200)).toEqual(["reconnecting 3 in 400 ECONNREFUSED"]);
    await setup.listen();
    expect(await setup.advance(400)).toEqual(["reconnected"]);
    expect(setup.client.handler.network.isReady(endpoint.id)).toBe(true);

    await setup.serverGone();
    expect(await setup.events()).toEqual(["reconnecting 1 in 100"]);
    await setup.listen();
    expect(await setup.advance(100)).toEqual(["reconnected"]);
  });

  it("a server gone for a minute: the defaults' delays (0.5 s doubling to 10 s), then reconnected at the next attempt", async () => {
    ({ setup } = await Setup.linked({ jitter: 0 }));
    await setup.serverGone();
    const lines = await setup.events();
    // Each attempt when it falls due, for a minute: all refused.
    const nextDelay = () => Number(/in (\d+)/.exec(lines.at(-1) ?? "")?.[1]);
    let elapsed = 0;
    while (elapsed + nextDelay() < 60_000) {
      elapsed += nextDelay();
      lines.push(...(await setup.advance(nextDelay())));
    }
    expect(lines).toEqual([
      "reconnecting 1 in 500",
      ...[1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000, 10_000].map(
        (delay, i) => `reconnecting ${i + 2} in ${delay} ECONNREFUSED`,
      ),
    ]);
    // Attempts at 0.5, 1.5, 3.5, 7.5, 15.5, 25.5, 35.5, 45.5 and 55.5 s; the tenth is at 65.5 s.
    expect(elapsed).toBe(55_500);
    await setup.listen();
    expect(await setup.advance(9_999)).toEqual([]);
    expect(await setup.advance(1)).toEqual(["reconnected"]);
  });

  it("the endpoint keeps its object and id, and messages flow both ways on every link", async () => {
    let endpoint: Endpoint;
    ({ setup, endpoint } = await Setup.linked());
    const network = setup.client.handler.network;
    expect(network.send(endpoint, "one")).toBe(SendStatus.Sent);
    expect(await setup.serverMessages()).toEqual(["message one"]);
    await setup.serverGone();
    await setup.listen();
    expect(await setup.advance(100)).toEqual(["reconnecting 1 in 100", "reconnected"]);
    expect(network.send(endpoint, "two")).toBe(SendStatus.Sent);
    expect(await setup.serverMessages()).toEqual(["message two"]);
    const accepted = setup.drainServer().find((e) => e.type === "accepted");
    expect(accepted).toBeDefined();
    setup.server.handler.network.send(accepted!.endpoint as Endpoint, "back");
    await turns();
    const event = setup.clientEvents.tryReceive();
    expect(event?.type === "message" && event.endpoint === endpoint && text(event.data) === "back").toBe(true);
  });

  it("gives up after maxAttempts of one outage with disconnected, the endpoint's last event", async () => {
    let endpoint: Endpoint;
    ({ setup, endpoint } = await Setup.linked({ ...PLAIN, maxAttempts: 2 }));
    await setup.serverGone();
    expect(await setup.events()).toEqual(["reconnecting 1 in 100"]);
    expect(await setup.advance(100)).toEqual(["reconnecting 2 in 200 ECONNREFUSED"]);
    expect(await setup.advance(200)).toEqual(["disconnected ECONNREFUSED"]);
    await setup.listen();
    expect(await setup.advance(10_000)).toEqual([]);
    expect(setup.clock.pending).toBe(0);
    expect(setup.client.handler.network.isReady(endpoint.id)).toBeUndefined();
  });

  it("REPLACED ends it with disconnected REPLACED, and a REJECTED handshake on a later attempt ends it too", async () => {
    ({ setup } = await Setup.linked());
    setup.verdict.control.end(ErrorCode.Replaced);
    expect(await setup.events()).toEqual(["disconnected REPLACED"]);
    expect(setup.clock.pending).toBe(0);

    setup.connect();
    await setup.events();
    await setup.serverGone();
    await setup.listen();
    setup.verdict.control.rejectNext = ErrorCode.Rejected;
    expect(await setup.advance(100)).toEqual(["reconnecting 1 in 100", "disconnected REJECTED"]);
  });

  it("other codes reported below (a timed-out handshake, a protocol error) are retried", async () => {
    ({ setup } = await Setup.linked());
    setup.verdict.control.end(ErrorCode.Timeout);
    expect(await setup.events()).toEqual(["reconnecting 1 in 100 ETIMEDOUT"]);
    setup.verdict.control.rejectNext = ErrorCode.ProtocolError;
    expect(await setup.advance(100)).toEqual(["reconnecting 2 in 200 PROTOCOL_ERROR"]);
    setup.verdict.control.rejectNext = undefined;
    expect(await setup.advance(200)).toEqual(["reconnected"]);
  });

  it("the peer of each link comes with connected and reconnected", async () => {
    setup = new Setup();
    await setup.listen();
    setup.verdict.control.peer = { id: "server-1" };
    setup.connect();
    expect(await setup.events()).toEqual(["connected server-1"]);
    setup.verdict.control.peer = { id: "server-2" };
    setup.verdict.control.end(ErrorCode.ConnectionLost);
    expect(await setup.advance(100)).toEqual(["reconnecting 1 in 100 CONNECTION_LOST", "reconnected server-2"]);
  });
});

describe("remove and stop", () => {
  it("remove during a wait returns true, clears the timer, and nothing of it follows", async () => {
    setup = new Setup();
    const endpoint = setup.connect();
    expect(await setup.events()).toEqual(["reconnecting 2 in 100 ECONNREFUSED"]);
    expect(setup.clock.pending).toBe(1);
    expect(setup.client.handler.network.remove(endpoint.id)).toBe(true);
    expect(setup.clock.pending).toBe(0);
    await setup.listen();
    expect(await setup.advance(10_000)).toEqual([]);
    expect(setup.drainServer()).toEqual([]);
  });

  it("remove while an attempt is in progress, or while linked, stops it at once", async () => {
    setup = new Setup();
    await setup.listen();
    const network = setup.client.handler.network;
    const connecting = setup.connect();
    expect(network.remove(connecting.id)).toBe(true);
    expect(await setup.events()).toEqual([]);
    const linked = setup.connect();
    expect(await setup.events()).toEqual(["connected"]);
    expect(network.remove(linked.id)).toBe(true);
    await turns();
    expect(setup.drainServer().map(line)).toEqual(["accepted", "disconnected"]);
    expect(await setup.advance(10_000)).toEqual([]);
    expect(setup.clock.pending).toBe(0);
  });

  it("stop during a wait leaves no timer on the clock", async () => {
    setup = new Setup();
    setup.connect();
    await setup.events();
    expect(setup.clock.pending).toBe(1);
    setup.client.handler.stop();
    expect(setup.clock.pending).toBe(0);
  });
});

describe("sends while not linked", () => {
  it("are queued in order before the first link and while down, and leave once linked, none twice", async () => {
    setup = new Setup();
    const network = setup.client.handler.network;
    const endpoint = setup.connect();
    expect(network.isReady(endpoint.id)).toBe(false);
    expect(network.send(endpoint, "a")).toBe(SendStatus.Queued);
    const reused = new TextEncoder().encode("b");
    expect(network.send(endpoint, reused)).toBe(SendStatus.Queued);
    reused[0] = 0x7a; // the caller may reuse its buffer once send returned: "b" was copied
    await setup.events();
    expect(network.send(endpoint, "c")).toBe(SendStatus.Queued);
    expect(network.pendingBytes(endpoint)).toBe(3);
    await setup.listen();
    expect(await setup.advance(100)).toEqual(["connected"]);
    expect(network.pendingBytes(endpoint)).toBe(0);
    expect(network.send(endpoint, "d")).toBe(SendStatus.Sent);
    expect(await setup.serverMessages()).toEqual(["message a", "message b", "message c", "message d"]);

    // Statistics count a held message when a link takes it, not while it is held (LAYERS.md 3).
    expect(network.stats(endpoint)).toMatchObject({ messagesSent: 4, bytesSent: 4 });

    await setup.serverGone();
    expect(await setup.events()).toEqual(["reconnecting 1 in 100"]);
    expect(network.send(endpoint, "e")).toBe(SendStatus.Queued);
    expect(network.send(endpoint, "f")).toBe(SendStatus.Queued);
    expect(network.stats()).toMatchObject({ messagesSent: 4 });
    await setup.listen();
    expect(await setup.advance(100)).toEqual(["reconnected"]);
    expect(network.send(endpoint, "g")).toBe(SendStatus.Sent);
    expect(await setup.serverMessages()).toEqual(["message e", "message f", "message g"]);
    expect(network.stats(endpoint)).toMatchObject({ messagesSent: 7, bytesSent: 7 });
  });

  it("are held up to maxPendingBytes: past it, buffer-full and nothing is held", async () => {
    setup = new Setup();
    const network = setup.client.handler.network;
    const endpoint = setup.connect(PLAIN, { maxPendingBytes: 10 });
    // Like any connection, one message larger than the whole limit goes when nothing is pending.
    expect(network.send(endpoint, "12345678901")).toBe(SendStatus.Queued);
    expect(network.send(endpoint, "x")).toBe(SendStatus.BufferFull);
    expect(await setup.events()).toEqual(["reconnecting 2 in 100 ECONNREFUSED"]);
    await setup.listen();
    expect(await setup.advance(100)).toEqual(["connected"]);
    expect(await setup.serverMessages()).toEqual(["message 12345678901"]);
    await setup.serverGone();
    await setup.events();
    expect(network.send(endpoint, "123456")).toBe(SendStatus.Queued);
    expect(network.send(endpoint, "7890")).toBe(SendStatus.Queued);
    expect(network.send(endpoint, "!")).toBe(SendStatus.BufferFull);
    expect(network.pendingBytes(endpoint)).toBe(10);
    await setup.listen();
    expect(await setup.advance(100)).toEqual(["reconnected"]);
    expect(await setup.serverMessages()).toEqual(["message 123456", "message 7890"]);
  });

  it("what is held is dropped by remove: a later server never sees it", async () => {
    setup = new Setup();
    const network = setup.client.handler.network;
    const endpoint = setup.connect();
    network.send(endpoint, "held");
    await setup.events();
    network.remove(endpoint.id);
    await setup.listen();
    await setup.advance(1000);
    expect(setup.drainServer()).toEqual([]);
  });
});

describe("options", () => {
  it("jitter spreads each delay over [1 - jitter, 1 + jitter] of it, from the random source given", async () => {
    setup = new Setup();
    const draws = [0, 0.5, 0.999999];
    setup.connect({ initialDelay: 1000, factor: 1, jitter: 0.5, random: () => draws.shift() ?? 0.5 });
    expect(await setup.events()).toEqual(["reconnecting 2 in 500 ECONNREFUSED"]);
    expect(await setup.advance(500)).toEqual(["reconnecting 3 in 1000 ECONNREFUSED"]);
    expect(await setup.advance(1000)).toEqual(["reconnecting 4 in 1500 ECONNREFUSED"]);
  });

  it("reconnect: true takes the defaults: 500 ms first, doubling to 10 s, jittered by half", async () => {
    setup = new Setup();
    const endpoint = setup.connect(true);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const [event] = await setup.events();
      const delay = Number(/in (\d+)/.exec(event ?? "")?.[1]);
      delays.push(delay);
      setup.clock.advance(delay);
    }
    const plain = [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000];
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(plain[i]! * 0.5);
      expect(delay).toBeLessThanOrEqual(plain[i]! * 1.5);
    });
    setup.client.handler.network.remove(endpoint.id);
    // A thousand clients do not come back in the same millisecond.
    const first = Array.from({ length: 50 }, () => setup.connect(true));
    const firstDelays = (await setup.events()).map((l) => Number(/in (\d+)/.exec(l)?.[1]));
    expect(firstDelays).toHaveLength(first.length);
    expect(new Set(firstDelays).size).toBeGreaterThan(10);
  });

  it("every attempt gets the user's connect options (its own timeout) and the same address", async () => {
    setup = new Setup();
    const seen: { remote: string; timeout: unknown }[] = [];
    const recording: Adapter = {
      ...setup.memory,
      transport: "recording",
      connect(request) {
        seen.push({ remote: request.remote, timeout: (request.options as { timeout?: unknown }).timeout });
        return setup.memory.connect!(request);
      },
    };
    const client = split<string>({ adapters: [recording], clock: setup.clock });
    try {
      client.handler.network.connect("recording", SERVER, { reconnect: PLAIN, timeout: 250 } as never);
      await turns();
      setup.clock.advance(100);
      await turns();
      setup.clock.advance(200);
      await turns();
      expect(seen).toEqual(Array.from({ length: 3 }, () => ({ remote: SERVER, timeout: 250 })));
    } finally {
      client.handler.stop();
    }
  });

  it("rejects bad options with INVALID_ARGUMENT at connect", () => {
    setup = new Setup();
    const network = setup.client.handler.network;
    const bad: unknown[] = [
      "yes",
      1,
      { initialDelay: -1 },
      { maxDelay: Number.NaN },
      { factor: 0.5 },
      { jitter: 1.5 },
      { jitter: -0.1 },
      { maxAttempts: 0 },
      { maxAttempts: 2.5 },
      { initialDelay: Number.POSITIVE_INFINITY },
      { random: 3 },
    ];
    for (const reconnect of bad) {
      expectThrowsCode(() => network.connect(MEM, SERVER, { reconnect } as never), ErrorCode.InvalidArgument);
    }
    expect(setup.clock.pending).toBe(0);
  });

  it("reconnect on a connectionless transport is INVALID_ARGUMENT; false is a plain connect", async () => {
    const { handler } = split();
    try {
      expectThrowsCode(
        () => handler.network.connect("udp", "127.0.0.1:9", { reconnect: true } as never),
        ErrorCode.InvalidArgument,
      );
    } finally {
      handler.stop();
    }
    setup = new Setup();
    setup.connect(false as never);
    expect(await setup.events()).toEqual(["connected failed ECONNREFUSED"]);
  });
});
