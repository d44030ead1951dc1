/**
 * Helpers for the reliability suite: a guard that records every uncaught exception and unhandled
 * rejection, an echo server, the "a well-behaved client is still served" check, and raw sockets to
 * play hostile peers with.
 */
import net from "node:net";
import {
  type Endpoint,
  type NetEvent,
  type NodeEvent,
  parseHostPort,
  SendStatus,
  type Transport as TransportName,
} from "message-io";
import { afterEach, beforeEach, expect } from "vitest";
import { isDisconnected, isMessage, type Recorder, recordedNode, stopAll } from "../support/recorder.js";

export type Disconnected = Extract<NetEvent, { type: "disconnected" }>;

/** Records what escapes to the process while a test runs; `assertClean` fails the test on any of it. */
export class ProcessGuard {
  readonly escaped: unknown[] = [];
  private readonly record = (error: unknown) => {
    this.escaped.push(error);
  };

  constructor() {
    process.on("uncaughtException", this.record);
    process.on("unhandledRejection", this.record);
  }

  assertClean(): void {
    process.off("uncaughtException", this.record);
    process.off("unhandledRejection", this.record);
    expect(this.escaped, "uncaught exceptions and unhandled rejections").toEqual([]);
  }
}

/**
 * Registers, for every test of the calling file: a `ProcessGuard` from the start, and at the end
 * `cleanUp`, then stopping every recorded node, then failing the test if anything escaped.
 */
export function guardEveryTest(cleanUp?: () => unknown): void {
  let guard: ProcessGuard;
  beforeEach(() => {
    guard = new ProcessGuard();
  });
  afterEach(async () => {
    await cleanUp?.();
    await stopAll();
    guard.assertClean();
  });
}

/** A port nothing listens on now (bound, then freed; ports are picked at random so it stays free). */
export async function freeAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/** A node that sends every message back to where it came from. */
export function echoNode(): Recorder {
  const node: Recorder = recordedNode((event) => {
    if (event.type === "message") node.network.send(event.endpoint, event.data);
  });
  return node;
}

/** The address a client of `transport` dials for a listener bound at `addr` (a ws URL is kept as it is). */
export function dialAddress(transport: TransportName, addr: string): string {
  return transport === "ws" && !/^wss?:\/\//.test(addr) ? `ws://${addr}/` : addr;
}

/**
 * A well-behaved client on its own node, connected to `addr`, that checks an echo round trip on
 * demand. Its side on the server is found by its first message, which no other peer sends.
 */
export class GoodClient {
  private round = 0;
  /** The server's endpoint for this client (unknown over udp, where the server has no connection). */
  serverSide: Endpoint | undefined;

  private constructor(
    readonly node: Recorder,
    readonly endpoint: Endpoint,
    private readonly reliable: boolean,
  ) {}

  static async connect(
    server: Recorder,
    transport: TransportName,
    addr: string,
    options: Record<string, unknown> = {},
  ): Promise<GoodClient> {
    const node = recordedNode();
    const endpoint = await node.network.connectAsync(transport, dialAddress(transport, addr), options as never);
    const reliable = transport !== "udp";
    const client = new GoodClient(node, endpoint, reliable);
    const text = await client.echo();
    if (reliable) {
      const hello = await server.waitFor((e) => isMessage(e) && new TextDecoder().decode(e.data) === text);
      client.serverSide = (hello as Extract<NetEvent, { type: "message" }>).endpoint;
    }
    return client;
  }

  /** Sends a fresh message and waits for the same bytes to come back. */
  async echo(): Promise<string> {
    const text = `round ${++this.round} from ${this.endpoint.key}`;
    const echoed = (e: NodeEvent<never>) => isMessage(e) && new TextDecoder().decode(e.data) === text;
    // Over udp a datagram may be dropped (a full receive buffer): ask again, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      expect(this.node.network.send(this.endpoint, text)).toBe(SendStatus.Sent);
      try {
        await this.node.waitFor(echoed, this.reliable ? undefined : 250);
        return text;
      } catch (error) {
        if (this.reliable || attempt >= 40) throw error;
      }
    }
  }

  /** The client is connected and served, and the server never reported it gone. */
  async assertServed(server: Recorder): Promise<void> {
    await this.echo();
    expect(this.node.ofType("disconnected"), "the good client was disconnected").toEqual([]);
    if (this.serverSide !== undefined) {
      expect(server.about(this.serverSide.key).filter(isDisconnected)).toEqual([]);
    }
  }
}

/** A raw TCP socket to `addr`, connected, with an error listener so that resets stay quiet. */
export function rawSocket(addr: string): Promise<net.Socket> {
  const { host, port } = parseHostPort(addr);
  const socket = net.connect({ host, port });
  socket.on("error", () => {});
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("close", () => reject(new Error(`raw connection to ${addr} closed before it opened`)));
  });
}

/** Resolves when `socket` is fully closed (by either side). Drains it: the end is seen only after the data. */
export function socketClosed(socket: net.Socket): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  socket.resume();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

/**
 * Waits until every connection `server` accepted from the attack has ended, and returns those
 * ends. A marker client connects first: a listener accepts in the kernel's order, so once the
 * marker is accepted, every attacker that will ever be accepted has been.
 */
export async function attackersGone(
  server: Recorder,
  transport: TransportName,
  addr: string,
  spared: readonly (Endpoint | undefined)[],
): Promise<Disconnected[]> {
  const marker = await GoodClient.connect(server, transport, addr);
  const accepted = server.ofType("accepted");
  const markerAt = accepted.findIndex((e) => e.endpoint === marker.serverSide);
  expect(markerAt).toBeGreaterThanOrEqual(0);
  const keys = new Set(spared.filter((e) => e !== undefined).map((e) => e.key));
  const count = accepted.slice(0, markerAt).filter((e) => !keys.has(e.endpoint.key)).length;
  keys.add((marker.serverSide as Endpoint).key);
  const isAttackerGone = (e: NodeEvent<never>): e is Disconnected => isDisconnected(e) && !keys.has(e.endpoint.key);
  const gone = await server.waitForCount(isAttackerGone, count);
  expect(new Set(gone.map((e) => e.endpoint.key)).size, "one disconnected per attacker").toBe(gone.length);
  return gone;
}
