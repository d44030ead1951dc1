/**
 * The adapter contract kit: the scenarios every connection-oriented transport must pass, as one
 * function an adapter's test file calls. It runs under Vitest (`describe`, `it`, `expect` come from
 * `vitest`, an optional peer dependency of the package). Transport differences are read from the
 * transport's info and the capabilities given, never from its name, so a new transport (an
 * unreliable one, a codec, identity) registers only the scenarios that apply to it: none is skipped.
 *
 *   describeAdapterContract({ transport: "unix", adapters: [unixSocketAdapter()], listenAddr: freePath });
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Adapter } from "../adapter.js";
import type { Endpoint } from "../endpoint.js";
import { NetError } from "../errors.js";
import { type NetEvent, type NodeEvent, SendStatus } from "../events.js";
import { DEFAULT_MAX_PENDING_BYTES, type TransportInfo, transportInfo } from "../transport.js";
import { concatBytes, patternBytes } from "./bytes.js";
import { isAccepted, isConnected, isDisconnected, isMessage, Recorder, type SplitNode, sameBytes } from "./recorder.js";
import { type RoundTrip, roundTrip } from "./round-trip.js";
import { describeUnreliableScenarios } from "./unreliable.js";

/** A platform's `split`. */
export type SplitFunction = (options?: any) => SplitNode<any>;

/** What the transport guarantees: each flag selects the scenarios that rely on it. */
export interface AdapterCapabilities {
  /**
   * Every message sent arrives (default `true`). `false` (unreliable datagrams): a scenario sends a
   * message again until its echo comes back, and those that count deliveries are skipped.
   */
  reliable?: boolean;
  /** Messages arrive in the order sent (default `true`). */
  ordered?: boolean;
  /** The size of the large-message scenario: default 8 MiB, or the transport's `maxMessageSize` if smaller; `0` skips it. */
  largeMessage?: number;
  /** Messages of the strict-order burst (default 200 000); `0` skips it. */
  burst?: number;
  /** Clients of the many-clients echo (default 100). */
  clients?: number;
  /**
   * The error code of a connect to an address where nothing listens any more (default
   * `ECONNREFUSED`); `null` accepts any code; `false` skips the scenarios (a transport that cannot tell).
   */
  refusedCode?: string | null | false;
  /** A peer sending over the receiver's `maxMessageSize` is cut with `MESSAGE_TOO_LARGE` (default `false`). */
  enforcesPeerLimit?: boolean;
}

export interface AdapterContractOptions extends AdapterCapabilities {
  /** The suite's title (default: the transport's name). */
  name?: string;
  /** The transport under test: a built-in name, or the name of one of `adapters`. */
  transport: string;
  /** Custom adapters registered on every node (the same objects on both sides of a scenario). */
  adapters?: readonly Adapter<any, any>[];
  /** Options of every `connect` a scenario makes (`ordered` for webrtc, ...). */
  connectOptions?: Record<string, unknown>;
  /** Where a scenario's server listens: an address, or a function giving a fresh one per call (socket paths). */
  listenAddr: string | (() => string);
  /** What a client connects to, from the listener's bound address (default: that address). */
  connectAddr?: (bound: string) => string;
  /**
   * Options every node is made with (`codec`, `identity`, ...); `adapters` are added to its own. A
   * function makes each node's own, called with a number unique within the suite (0, 1, 2, ...):
   * with `identity`, each node needs its own id, or its connections to one listener replace each other.
   */
  nodeOptions?: Record<string, unknown> | ((node: number) => Record<string, unknown>);
  /**
   * For a codec that does not take bytes: what a scenario sends for a payload, and how a received
   * `message` gives the payload back. Default: the bytes themselves (and `message` as bytes).
   */
  payload?: { encode(bytes: Uint8Array): unknown; decode(message: unknown): Uint8Array };
  /** The platform's `split` (`message-io/testing` passes the Node build's). */
  split: SplitFunction;
}

const utf8 = new TextEncoder();
const identityPayload = {
  encode: (bytes: Uint8Array): unknown => bytes,
  decode: (message: unknown) => message as Uint8Array,
};

/** Registers the contract's scenarios for one transport (see `AdapterContractOptions`). */
export function describeAdapterContract(options: AdapterContractOptions): void {
  const { transport, split } = options;
  const info: TransportInfo =
    options.adapters?.find((adapter) => adapter.transport === transport)?.info ?? transportInfo(transport);
  const packetBased = info.packetBased;
  const reliable = options.reliable ?? true;
  const ordered = options.ordered ?? true;
  const refusedCode = options.refusedCode === undefined ? "ECONNREFUSED" : options.refusedCode;
  const largeMessage = options.largeMessage ?? Math.min(8 * 1024 * 1024, info.maxMessageSize);
  const burst = options.burst ?? 200_000;
  const payload = options.payload ?? identityPayload;
  const live: Recorder<any>[] = [];
  let nodesMade = 0;

  const listenAddr = () => (typeof options.listenAddr === "function" ? options.listenAddr() : options.listenAddr);
  const connectAddr = (bound: string) => options.connectAddr?.(bound) ?? bound;
  const connectOptions = options.connectOptions ?? {};
  /** `connect` with the suite's connect options (and a scenario's own on top). */
  const dial = <S>(recorder: Recorder<S>, addr: string, extra: Record<string, unknown> = {}) =>
    recorder.network.connect(transport, addr, { ...connectOptions, ...extra });
  const dialAsync = <S>(recorder: Recorder<S>, addr: string, extra: Record<string, unknown> = {}) =>
    recorder.network.connectAsync(transport, addr, { ...connectOptions, ...extra });

  /** A node with the options and adapters of the suite, recording its events. */
  function node<S = never>(onEvent?: (node: Recorder<S>, event: NodeEvent<S, any>) => void): Recorder<S> {
    const made = nodesMade++;
    const nodeOptions =
      (typeof options.nodeOptions === "function" ? options.nodeOptions(made) : options.nodeOptions) ?? {};
    const adapters = [...((nodeOptions.adapters as Adapter[] | undefined) ?? []), ...(options.adapters ?? [])];
    const recorder: Recorder<S> = new Recorder<S>(split({ ...nodeOptions, adapters }), (event) =>
      onEvent?.(recorder, event),
    );
    live.push(recorder);
    return recorder;
  }

  /** A node that sends every message back where it came from, as it came. */
  const echoServer = <S = never>() =>
    node<S>((server, event) => {
      if (event.type === "message") server.network.send(event.endpoint, event.message);
    });

  const send = <S>(recorder: Recorder<S>, endpoint: Endpoint, bytes: Uint8Array) =>
    recorder.network.send(endpoint, payload.encode(bytes) as Uint8Array);

  /** The payload of a message event: its decoded message, or on a byte stream the chunk. */
  const payloadOf = (event: Extract<NetEvent<any>, { type: "message" }>): Uint8Array =>
    packetBased ? payload.decode(event.message) : event.data;

  const roundTripping: RoundTrip = { reliable, send, payloadOf };
  /** `bytes` to an echo server and back, sent again while it is lost on an unreliable transport. */
  const echoed = <S>(recorder: Recorder<S>, endpoint: Endpoint, bytes: Uint8Array) =>
    roundTrip(roundTripping, recorder, endpoint, bytes);

  /** Everything `endpoint` received, concatenated (a stream transport may split or merge messages). */
  const receivedBytes = <S>(recorder: Recorder<S>, endpoint: Endpoint) =>
    concatBytes(recorder.about(endpoint.key).filter(isMessage).map(payloadOf));

  async function waitForBytes<S>(recorder: Recorder<S>, endpoint: Endpoint, length: number): Promise<Uint8Array> {
    const fromEndpoint = (e: NodeEvent<S, any>) => isMessage(e) && e.endpoint === endpoint;
    for (let count = 1; receivedBytes(recorder, endpoint).length < length; count++) {
      await recorder.waitForCount(fromEndpoint, count);
    }
    return receivedBytes(recorder, endpoint);
  }

  /** Resolves once every event queued before it on `recorder` was delivered (signals share the one FIFO). */
  async function drained(recorder: Recorder<string>): Promise<void> {
    const mark = `barrier-${Math.random()}`;
    recorder.handler.signals.send(mark);
    await recorder.waitFor((e) => e.type === "signal" && e.signal === mark);
  }

  /** An address where something listened and nothing does any more. */
  async function deadAddr(): Promise<string> {
    const probe = node();
    const { id, addr } = await probe.network.listen(transport, listenAddr());
    probe.network.remove(id);
    return connectAddr(addr);
  }

  function expectRefused(event: Extract<NetEvent<any>, { type: "connected" }>): void {
    expect(event.ok).toBe(false);
    expect(event.error).toBeInstanceOf(NetError);
    if (typeof refusedCode === "string") expect(event.error?.code).toBe(refusedCode);
  }

  describe(options.name ?? transport, () => {
    afterEach(async () => {
      await Promise.all(live.splice(0).map((recorder) => recorder.stop()));
    });

    if (reliable)
      it.each([1, options.clients ?? 100])(
        "echoes for %i clients, one node and one connection each, and remove disconnects the peer only",
        async (count) => {
          const server = echoServer();
          const { id: listenerId, addr } = await server.network.listen(transport, listenAddr());
          // A node per client, as real clients are: with identity, each is a peer of its own.
          const clients = Array.from({ length: count }, () => node());
          const endpoints = clients.map((client) => dial(client, connectAddr(addr)));

          const connected = await Promise.all(clients.map((client) => client.waitFor(isConnected)));
          expect(connected.map((e) => e.ok)).toEqual(endpoints.map(() => true));
          // The endpoint in the event is the very object connect() returned.
          connected.forEach((event, i) => {
            expect(event.endpoint).toBe(endpoints[i]);
          });

          const accepted = await server.waitForCount(isAccepted, count);
          expect(accepted.every((e) => e.listener === listenerId)).toBe(true);

          const payloads = endpoints.map((_, i) => utf8.encode(`hello from client ${i}`));
          endpoints.forEach((endpoint, i) => {
            expect(send(clients[i] as Recorder<never>, endpoint, payloads[i] as Uint8Array)).toBe(SendStatus.Sent);
          });
          for (const [i, endpoint] of endpoints.entries()) {
            const client = clients[i] as Recorder<never>;
            const expected = payloads[i] as Uint8Array;
            expect(sameBytes(await waitForBytes(client, endpoint, expected.length), expected)).toBe(true);
            if (packetBased) expect(client.about(endpoint.key).filter(isMessage)).toHaveLength(1);
          }

          endpoints.forEach((endpoint, i) => {
            expect(clients[i]?.network.remove(endpoint.id)).toBe(true);
          });
          await server.waitForCount(isDisconnected, count);
          // Every accepted connection ended exactly once, cleanly, and the clients heard nothing of it.
          expect(new Set(server.ofType("disconnected").map((e) => e.endpoint))).toEqual(
            new Set(accepted.map((e) => e.endpoint)),
          );
          expect(server.ofType("disconnected").every((e) => e.error === undefined)).toBe(true);
          for (const [i, endpoint] of endpoints.entries()) {
            const client = clients[i] as Recorder<never>;
            expect(client.ofType("disconnected")).toHaveLength(0);
            expect(client.about(endpoint.key).filter(isConnected)).toHaveLength(1);
            expect(client.network.isReady(endpoint.id)).toBeUndefined();
          }
        },
      );

    if (largeMessage > 0)
      it(`delivers a message of ${largeMessage} bytes intact`, async () => {
        const server = echoServer();
        const { addr } = await server.network.listen(transport, listenAddr());
        const client = node();
        const endpoint = await dialAsync(client, connectAddr(addr));
        const big = patternBytes(largeMessage, 7);
        if (!reliable) {
          await echoed(client, endpoint, big);
          return;
        }
        expect(send(client, endpoint, big)).toBe(SendStatus.Sent);
        expect(sameBytes(await waitForBytes(client, endpoint, big.length), big)).toBe(true);
        if (packetBased) expect(client.about(endpoint.key).filter(isMessage)).toHaveLength(1);
      });

    if (reliable && ordered)
      it("takes the bytes at the call: the sender may reuse its buffer at once", async () => {
        const server = echoServer();
        const { addr } = await server.network.listen(transport, listenAddr());
        const client = node();
        const endpoint = await dialAsync(client, connectAddr(addr));
        const count = 50;
        // Large enough to be queued rather than written at once, and all of them under maxPendingBytes.
        const pendingLimit = info.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
        const scratch = new Uint8Array(Math.min(100_000, info.maxMessageSize, Math.floor(pendingLimit / (count + 1))));
        for (let i = 0; i < count; i++) {
          scratch.fill(i);
          expect(send(client, endpoint, scratch)).toBe(SendStatus.Sent);
        }
        scratch.fill(255);
        const received = await waitForBytes(client, endpoint, count * scratch.length);
        const corrupted = [];
        for (let i = 0; i < count; i++) {
          const part = received.subarray(i * scratch.length, (i + 1) * scratch.length);
          if (!part.every((byte) => byte === i)) corrupted.push(i);
        }
        expect(corrupted, "messages whose bytes changed after send returned").toEqual([]);
      });

    if (refusedCode !== false)
      it("reports a connect where nothing listens as one connected, not ok", async () => {
        const addr = await deadAddr();
        const client = node<string>();
        const endpoint = dial(client, addr);
        expect(send(client, endpoint, utf8.encode("too early"))).toBe(SendStatus.ResourceNotAvailable);
        expect(client.network.isReady(endpoint.id)).toBe(false);

        const event = await client.waitFor(isConnected);
        expect(event.endpoint).toBe(endpoint);
        expectRefused(event);
        expect(client.network.isReady(endpoint.id)).toBeUndefined();
        expect(send(client, endpoint, utf8.encode("gone"))).toBe(SendStatus.ResourceNotFound);
        await drained(client);
        expect(client.about(endpoint.key)).toHaveLength(1);

        const rejected = dialAsync(client, addr);
        await expect(rejected).rejects.toBeInstanceOf(NetError);
        // connectAsync still emits its connected event.
        expectRefused((await client.waitForCount(isConnected, 2))[1] as Extract<NetEvent, { type: "connected" }>);
      });

    it("resolves connectAsync with the endpoint of its connected event", async () => {
      const server = echoServer();
      const { addr } = await server.network.listen(transport, listenAddr());
      const client = node();
      const endpoint = await dialAsync(client, connectAddr(addr));
      expect(client.network.isReady(endpoint.id)).toBe(true);
      const event = await client.waitFor(isConnected);
      expect(event).toMatchObject({ ok: true });
      expect(event.endpoint).toBe(endpoint);
    });

    if (refusedCode !== false)
      it("removes listeners and connections without events, and tracks isReady", async () => {
        const server = echoServer<string>();
        const { id: listenerId, addr } = await server.network.listen(transport, listenAddr());
        expect(server.network.isReady(listenerId)).toBe(true);
        const client = node<string>();
        const first = dial(client, connectAddr(addr));
        expect(client.network.isReady(first.id)).toBe(false);
        await client.waitFor(isConnected);
        expect(client.network.isReady(first.id)).toBe(true);
        const { endpoint: serverSide } = await server.waitFor(isAccepted);

        // Removing the listener closes no accepted connection and emits nothing.
        expect(server.network.remove(listenerId)).toBe(true);
        expect(server.network.isReady(listenerId)).toBeUndefined();
        expect(server.network.remove(listenerId)).toBe(false);
        if (reliable) {
          send(client, first, utf8.encode("still here"));
          await waitForBytes(client, first, "still here".length);
        } else await echoed(client, first, utf8.encode("still here"));
        const refused = dial(client, connectAddr(addr));
        const outcome = await client.waitFor((e) => isConnected(e) && e.endpoint === refused);
        expect(outcome).toMatchObject({ ok: false });

        // Removing a connection: nothing of it is delivered after remove() returns, not even what was queued.
        if (reliable) {
          send(client, first, utf8.encode("sent before the remove"));
          await server.waitForCount((e) => isMessage(e) && e.endpoint === serverSide, 2);
        } else await echoed(client, first, utf8.encode("sent before the remove"));
        send(client, first, utf8.encode("in flight during the remove"));
        expect(server.network.remove(serverSide.id)).toBe(true);
        const eventsAtRemoval = server.about(serverSide.key).length;
        expect(server.network.isReady(serverSide.id)).toBeUndefined();
        expect(send(server, serverSide, utf8.encode("after remove"))).toBe(SendStatus.ResourceNotFound);
        await client.waitFor((e) => isDisconnected(e) && e.endpoint === first);
        await drained(server);
        expect(server.about(serverSide.key).length).toBe(eventsAtRemoval);
        expect(server.ofType("disconnected")).toHaveLength(0);
        expect(client.network.isReady(first.id)).toBeUndefined();
      });

    it("stop() closes everything silently and makes the node final", async () => {
      const server = echoServer();
      const { id, addr } = await server.network.listen(transport, listenAddr());
      const client = node();
      const endpoint = await dialAsync(client, connectAddr(addr));
      const { endpoint: serverSide } = await server.waitFor(isAccepted);
      const pending = dialAsync(client, connectAddr(addr));

      client.handler.stop();
      await client.done;
      expect(client.handler.isRunning()).toBe(false);
      await expect(pending).rejects.toMatchObject({ code: "STOPPED" });
      expect(send(client, endpoint, utf8.encode("x"))).toBe(SendStatus.ResourceNotFound);
      const stopped = expect.objectContaining({ code: "STOPPED" });
      expect(() => dial(client, connectAddr(addr))).toThrow(stopped);
      await expect(dialAsync(client, connectAddr(addr))).rejects.toMatchObject(stopped);
      await expect(client.network.listen(transport, listenAddr())).rejects.toMatchObject(stopped);
      expect(client.ofType("disconnected")).toHaveLength(0);

      // The peer sees the connection end.
      await server.waitFor((e) => isDisconnected(e) && e.endpoint === serverSide);
      expect(server.network.isReady(id)).toBe(true);
    });

    if (packetBased && reliable && ordered && burst > 0)
      it(`delivers a burst of ${burst} messages in strict order`, async () => {
        let next = 0;
        let outOfOrder = 0;
        let finished!: () => void;
        const allReceived = new Promise<void>((resolve) => {
          finished = resolve;
        });
        const server = node((_, event) => {
          if (event.type !== "message") return;
          const bytes = payload.decode(event.message);
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          if (bytes.length !== 4 || view.getUint32(0, true) !== next) outOfOrder += 1;
          next += 1;
          if (next === burst) finished();
        });
        // Keep memory flat: the scenario counts, it does not record.
        server.events.length = 0;
        const { addr } = await server.network.listen(transport, listenAddr());
        const client = node();
        const endpoint = await dialAsync(client, connectAddr(addr));
        const message = new Uint8Array(4);
        const view = new DataView(message.buffer);
        for (let i = 0; i < burst; i++) {
          view.setUint32(0, i, true);
          expect(send(client, endpoint, message)).toBe(SendStatus.Sent);
        }
        await allReceived;
        expect(outOfOrder).toBe(0);
        expect(next).toBe(burst);
      });

    if (packetBased && reliable)
      it("delivers an empty message as one empty message", async () => {
        const server = node();
        const { addr } = await server.network.listen(transport, listenAddr());
        const client = node();
        const endpoint = await dialAsync(client, connectAddr(addr));
        send(client, endpoint, new Uint8Array(0));
        send(client, endpoint, utf8.encode("after"));
        const messages = await server.waitForCount(isMessage, 2);
        expect(messages.map((m) => payloadOf(m).length)).toEqual([0, 5]);
      });

    if (!reliable) {
      describeUnreliableScenarios({
        node,
        echoServer,
        listenAddr,
        connectAddr,
        dialAsync,
        echoed,
        send,
        payloadOf,
        transport,
        clients: options.clients ?? 100,
        largeMessage,
      });
    }

    if (options.enforcesPeerLimit ?? false)
      it("ends a connection whose peer sends a message over maxMessageSize", async () => {
        const server = node();
        const { addr } = await server.network.listen(transport, listenAddr(), { maxMessageSize: 1024 });
        const client = node();
        const endpoint = await dialAsync(client, connectAddr(addr));
        expect(send(client, endpoint, new Uint8Array(2048))).toBe(SendStatus.Sent);
        const gone = await server.waitFor(isDisconnected);
        expect(gone.error?.code).toBe("MESSAGE_TOO_LARGE");
        await client.waitFor(isDisconnected);
      });

    if (packetBased)
      it("refuses to send a message over its own maxMessageSize", async () => {
        const server = node();
        const { addr } = await server.network.listen(transport, listenAddr());
        const client = node();
        const endpoint = await dialAsync(client, connectAddr(addr), { maxMessageSize: 100 });
        expect(send(client, endpoint, new Uint8Array(4096))).toBe(SendStatus.MaxPacketSizeExceeded);
        expect(send(client, endpoint, new Uint8Array(10))).toBe(SendStatus.Sent);
        if (reliable) expect(payloadOf(await server.waitFor(isMessage)).length).toBe(10);
      });
  });
}
