/**
 * `reconnect` and `identity` together, over real sockets (LAYERS.md sections 2-4): the server sees
 * the same peer id come back; a link that died without the server noticing (a frozen path) ends
 * `REPLACED` there while the client goes on; a `REJECTED` handshake on a later attempt is final;
 * `reconnected` carries the peer, `handler.peers` follows, `rtt` is absent while down and back
 * after; what was held leaves after the handshake and is counted when a link takes it.
 */
import {
  type Endpoint,
  type IdentityOptions,
  type NetEvent,
  type NodeEvent,
  type ReconnectOptions,
  SendStatus,
  Transport,
} from "message-io";
import { describe, expect, it, vi } from "vitest";
import { nodeWith, stopIdentityNodes } from "../support/identity.js";
import { isAccepted, isConnected, isDisconnected, isMessage, type Recorder } from "../support/recorder.js";
import { closeProxies, LinkProxy } from "./proxy.js";
import { dialAddress, freeAddress, guardEveryTest } from "./support.js";

type Reconnecting = Extract<NetEvent, { type: "reconnecting" }>;
type Reconnected = Extract<NetEvent, { type: "reconnected" }>;
const isReconnecting = (e: NodeEvent<unknown>): e is Reconnecting => e.type === "reconnecting";
const isReconnected = (e: NodeEvent<unknown>): e is Reconnected => e.type === "reconnected";

/** Short, fixed delays: 20, 40, 80, then 100 ms. */
const FAST: ReconnectOptions = { initialDelay: 20, factor: 2, maxDelay: 100, jitter: 0 };
const text = new TextDecoder();

guardEveryTest(async () => {
  await closeProxies();
  await stopIdentityNodes();
});

/** A node with `identity` that echoes every message. */
function echoPeer(identity: IdentityOptions): Recorder {
  const node: Recorder = nodeWith({ identity }, (event) => {
    if (event.type === "message") node.network.send(event.endpoint, event.data);
  });
  return node;
}

/** The texts of the messages `node` received from `endpoint`. */
const textsFrom = (node: Recorder, endpoint: Endpoint) =>
  node.about(endpoint.key).flatMap((e) => (e.type === "message" ? [text.decode(e.data)] : []));

/** The events of `endpoint` on `node`, as short lines. */
function story(node: Pick<Recorder<any>, "about">, endpoint: Endpoint): string[] {
  return node.about(endpoint.key).flatMap((e) => {
    const code = "error" in e && e.error !== undefined ? ` ${e.error.code}` : "";
    switch (e.type) {
      case "connected":
        return [e.ok ? `connected ${e.peer?.id}` : `connected failed${code}`];
      case "accepted":
        return [`accepted ${e.peer?.id}`];
      case "reconnecting":
        return [`reconnecting ${e.attempt}${code}`];
      case "reconnected":
        return [`reconnected ${e.peer?.id}`];
      case "disconnected":
        return [`disconnected${code}`];
      default:
        return [];
    }
  });
}

/** Waits for `endpoint`'s round trip to be measured (a pong answered on the current link). */
async function rttMeasured(node: Recorder, endpoint: Endpoint): Promise<number> {
  return vi.waitFor(
    () => {
      const rtt = node.network.stats(endpoint)?.rtt;
      expect(rtt).toBeGreaterThan(0);
      return rtt as number;
    },
    { timeout: 5_000, interval: 10 },
  );
}

describe.each([Transport.FramedTcp, Transport.Ws])("%s with reconnect and identity", (transport) => {
  it("a server restarted: the same peer id comes back, reconnected carries its peer, peers follow, rtt returns, held sends leave after the handshake", async () => {
    const addr = await freeAddress();
    let server = echoPeer({ id: "server" });
    await server.network.listen(transport, addr);
    const client = nodeWith({ identity: { id: "player-1", ping: 200 } });
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    expect(await client.waitFor(isConnected)).toMatchObject({ ok: true, peer: { id: "server" } });
    const firstSide = (await server.waitFor(isAccepted)).endpoint;
    expect(server.handler.peers.endpoint("player-1")).toBe(firstSide);
    expect(client.handler.peers.endpoint("server")).toBe(endpoint);
    await rttMeasured(client, endpoint);
    expect(client.network.send(endpoint, "1")).toBe(SendStatus.Sent);
    await client.waitFor(isMessage);

    await server.stop();
    await client.waitFor(isReconnecting);
    // Down: no rtt, the counts kept; sends are held, and not counted until a link takes them.
    expect(client.network.isReady(endpoint.id)).toBe(false);
    expect(client.network.stats(endpoint)).toMatchObject({ messagesSent: 1, messagesReceived: 1 });
    expect(client.network.stats(endpoint)?.rtt).toBeUndefined();
    expect(client.network.send(endpoint, "2")).toBe(SendStatus.Queued);
    expect(client.handler.peers.send("server", "3")).toBe(SendStatus.Queued);
    expect(client.network.stats(endpoint)?.messagesSent).toBe(1);

    server = echoPeer({ id: "server" });
    await server.network.listen(transport, addr);
    const back = await client.waitFor(isReconnected);
    expect(back.peer).toEqual({ id: "server" });
    expect(client.network.stats(endpoint)?.messagesSent).toBe(3);
    const secondSide = (await server.waitForCount(isMessage, 2))[0]?.endpoint as Endpoint;
    // The same peer id, accepted before any of what was held.
    expect(story(server, secondSide)).toEqual(["accepted player-1"]);
    expect(server.about(secondSide.key).map((e) => e.type)).toEqual(["accepted", "message", "message"]);
    expect(textsFrom(server, secondSide)).toEqual(["2", "3"]);
    expect(server.handler.peers.ids()).toEqual(["player-1"]);
    expect(server.handler.peers.endpoint("player-1")).toBe(secondSide);
    expect(client.handler.peers.ids()).toEqual(["server"]);
    expect(client.handler.peers.endpoint("server")).toBe(endpoint);

    await client.waitForCount(isMessage, 3);
    expect(textsFrom(client, endpoint)).toEqual(["1", "2", "3"]);
    await rttMeasured(client, endpoint);
    const lines = story(client, endpoint);
    expect(lines[0]).toBe("connected server");
    expect(lines[1]).toMatch(/^reconnecting 1( [A-Z_]+)?$/);
    lines.slice(2, -1).forEach((line, i) => expect(line).toBe(`reconnecting ${i + 2} ECONNREFUSED`));
    expect(lines.at(-1)).toBe("reconnected server");
  });

  it("a frozen path the server did not notice: the client's pings time out, it comes back, and the server ends the older connection REPLACED", async () => {
    // The server does not ping: a dead link is invisible to it until the peer returns. The client's
    // interval leaves room for a loaded machine: a slow round trip must not look like a dead link.
    const server = echoPeer({ id: "server" });
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const proxy = await LinkProxy.start(addr);
    const client = nodeWith({ identity: { id: "player-1", ping: 150 } });
    const endpoint = client.network.connect(transport, dialAddress(transport, proxy.addr), { reconnect: FAST });
    await client.waitFor(isConnected);
    const older = (await server.waitFor(isAccepted)).endpoint;
    client.network.send(endpoint, "before");
    await client.waitFor(isMessage);

    proxy.freeze();
    const drop = await client.waitFor(isReconnecting);
    expect(drop).toMatchObject({ attempt: 1, error: { code: "ETIMEDOUT" } });
    expect((await client.waitFor(isReconnected)).peer).toEqual({ id: "server" });

    const replaced = await server.waitFor(isDisconnected);
    expect(replaced.endpoint).toBe(older);
    expect(replaced.error?.code).toBe("REPLACED");
    const newer = (await server.waitForCount(isAccepted, 2))[1]?.endpoint as Endpoint;
    expect(story(server, newer)).toEqual(["accepted player-1"]);
    // The older one ends first: one connection per peer id, never two at once.
    expect(server.events.indexOf(replaced)).toBeLessThan(
      server.events.findIndex((e) => "endpoint" in e && e.endpoint === newer),
    );
    expect(server.handler.peers.ids()).toEqual(["player-1"]);
    expect(server.handler.peers.endpoint("player-1")).toBe(newer);

    // The client goes on: it never heard the REPLACED meant for a link it had already left.
    expect(client.network.send(endpoint, "after")).toBe(SendStatus.Sent);
    await client.waitForCount(isMessage, 2);
    expect(textsFrom(server, newer)).toEqual(["after"]);
    expect(story(client, endpoint)).toEqual(["connected server", "reconnecting 1 ETIMEDOUT", "reconnected server"]);
    expect(proxy.opened).toBe(2);
  });

  it("a REJECTED handshake on a later attempt ends it for good: disconnected REJECTED, the last event, no more attempts", async () => {
    let banned = false;
    let hellos = 0;
    const server = echoPeer({
      id: "server",
      accept: (peer) => {
        hellos += 1;
        return !banned || `${peer.id} is banned`;
      },
    });
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const client = nodeWith<string>({ identity: { id: "player-1" } });
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    await client.waitFor(isConnected);
    const serverSide = (await server.waitFor(isAccepted)).endpoint;

    banned = true;
    server.network.remove(serverSide.id);
    const end = await client.waitFor(isDisconnected);
    expect(end.error).toMatchObject({ code: "REJECTED", message: expect.stringContaining("player-1 is banned") });
    expect(story(client, endpoint)).toEqual(["connected server", "reconnecting 1", "disconnected REJECTED"]);
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    expect(client.handler.peers.ids()).toEqual([]);
    expect(client.network.send(endpoint, "gone")).toBe(SendStatus.ResourceNotFound);

    // Ten times the next delay (40 ms): another attempt would have said hello by then.
    client.handler.signals.sendWithTimer("marker", 400);
    await client.waitFor((e) => e.type === "signal");
    expect(hellos).toBe(2);
    expect(story(client, endpoint)).toHaveLength(3);
    // The listener side emits nothing for a refused handshake.
    expect(server.events.map((e) => e.type)).toEqual(["accepted"]);
  });

  it("the client refuses the server that came back (another version): REJECTED, final", async () => {
    const addr = await freeAddress();
    let server = echoPeer({ id: "server", hello: new Uint8Array([1]) });
    await server.network.listen(transport, addr);
    const client = nodeWith({
      identity: { id: "player-1", accept: (peer) => peer.hello?.[0] === 1 || `version ${peer.hello?.[0]}` },
    });
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    await client.waitFor(isConnected);
    await server.stop();
    await client.waitFor(isReconnecting);
    server = echoPeer({ id: "server", hello: new Uint8Array([2]) });
    await server.network.listen(transport, addr);
    const end = await client.waitFor(isDisconnected);
    expect(end.error).toMatchObject({ code: "REJECTED", message: "version 2" });
    expect(story(client, endpoint).at(-1)).toBe("disconnected REJECTED");
    expect(client.events.filter(isReconnected)).toEqual([]);
    expect(server.events).toEqual([]);
  });

  it("two clients of one peer id (two tabs of one player): the older ends REPLACED, final, and does not evict the newer", async () => {
    const server = echoPeer({ id: "server" });
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const firstTab = nodeWith({ identity: { id: "player-1" } });
    const first = firstTab.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    await firstTab.waitFor(isConnected);
    const secondTab = nodeWith({ identity: { id: "player-1" } });
    const second = await secondTab.network.connectAsync(transport, dialAddress(transport, addr), { reconnect: FAST });

    const end = await firstTab.waitFor(isDisconnected);
    expect(end.error?.code).toBe("REPLACED");
    expect(story(firstTab, first)).toEqual(["connected server", "disconnected REPLACED"]);
    expect(secondTab.network.send(second, "still mine")).toBe(SendStatus.Sent);
    await secondTab.waitFor(isMessage);
    expect(server.ofType("accepted")).toHaveLength(2);
    expect(server.ofType("disconnected").map((e) => e.error?.code)).toEqual(["REPLACED"]);
    expect(secondTab.events.filter((e) => e.type !== "message").map((e) => e.type)).toEqual(["connected"]);
  });
});
