/**
 * A node with `identity` and a cluster listener (LAYERS.md section 6): identity does not wrap the
 * cluster, so other nodes appear as plain endpoints, with no hello, no `accept`, no `peer`, and not
 * in `handler.peers`; the cluster's node id is `identity.id`; codecs, stats and groups apply; the
 * node's `ws` peers still go through the handshake.
 */
import { msgpack, type NodeEvent, type Peer, split, Transport } from "message-io";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAccepted, isMessage, Recorder } from "../support/recorder.js";
import { RedisServer, stopAllRedis } from "../support/redis.js";
import { PRESENCE } from "./support.js";

type Msg = { t: "state"; tick: number } | { t: "chat"; text: string };

let redis: RedisServer;
const live: Recorder<any>[] = [];
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterEach(async () => {
  await Promise.all(live.splice(0).map((node) => node.stop()));
});
afterAll(stopAllRedis);

/** A game server with identity (accepting only the player "alice") and msgpack, on the cluster and on ws. */
async function gameServer(
  id: string,
  cluster: string,
  onEvent?: (node: Recorder<any>, event: NodeEvent<any, any>) => void,
) {
  const accepted: string[] = [];
  const accept = (peer: Peer<Msg>) => {
    accepted.push(peer.id);
    return peer.id === "alice" || "players only";
  };
  const node: Recorder<any> = new Recorder<any>(
    split<never, Msg>({
      codec: msgpack<Msg>(),
      identity: { id, hello: { t: "chat", text: id }, accept, ping: 50 },
    }) as never,
    (event) => onEvent?.(node, event),
  );
  live.push(node);
  const { addr } = await node.network.listen(Transport.Cluster, redis.url, { cluster, presenceTimeout: PRESENCE });
  const ws = await node.network.listen(Transport.Ws, "127.0.0.1:0");
  return { node, accepted, clusterAddr: addr, wsAddr: ws.addr };
}

describe("identity and the cluster", () => {
  it("other nodes are plain endpoints: no handshake, no peer, not in handler.peers; identity.id is the node id", async () => {
    const cluster = `identity-${process.pid}`;
    const a = await gameServer("eu-1", cluster);
    const b = await gameServer("eu-2", cluster, (node, event) => {
      // eu-2 answers every message from a node with its tick plus one.
      if (event.type === "message" && event.message.t === "state") {
        node.network.send(event.endpoint, { t: "state", tick: event.message.tick + 1 } as never);
      }
    });

    const bAtA = (await a.node.waitFor((e) => isAccepted(e) && e.endpoint.addr === "eu-2")) as Extract<
      NodeEvent<never, Msg>,
      { type: "accepted" }
    >;
    const aAtB = (await b.node.waitFor((e) => isAccepted(e) && e.endpoint.addr === "eu-1")) as typeof bAtA;
    expect(bAtA.peer).toBeUndefined();
    expect(aAtB.peer).toBeUndefined();
    // `accept` (which refuses every id but alice's) never saw a node, and no hello went to Redis.
    expect([...a.accepted, ...b.accepted]).toEqual([]);
    expect(a.node.handler.peers.ids()).toEqual([]);
    expect(a.node.handler.peers.endpoint("eu-2")).toBeUndefined();

    // Messages between nodes: encoded with the codec, counted in stats.
    a.node.network.send(bAtA.endpoint, { t: "state", tick: 1 } as never);
    const reply = await a.node.waitFor(isMessage);
    expect(reply.message).toEqual({ t: "state", tick: 2 });
    expect(a.node.network.stats(bAtA.endpoint)).toMatchObject({ messagesSent: 1, messagesReceived: 1 });

    // The ws listener of the same node still runs the handshake: alice is a peer, in handler.peers.
    const alice = new Recorder<any>(split<never, Msg>({ codec: msgpack<Msg>(), identity: { id: "alice" } }) as never);
    live.push(alice);
    await alice.network.connectAsync(Transport.Ws, `ws://${b.wsAddr}/`);
    const aliceAtB = await b.node.waitFor((e) => isAccepted(e) && e.peer?.id === "alice");
    expect(b.accepted).toEqual(["alice"]);
    expect(b.node.handler.peers.ids()).toEqual(["alice"]);
    // A group of eu-2's with alice in it: eu-1's groups.send reaches her through the cluster.
    expect(b.node.handler.groups.join("room", (aliceAtB as typeof bAtA).endpoint)).toBe(true);
    expect(a.node.handler.groups.join("room", bAtA.endpoint)).toBe(false); // a node endpoint is no member
    a.node.handler.groups.send("room", { t: "chat", text: "hello room" } as never);
    expect((await alice.waitFor(isMessage)).message).toEqual({ t: "chat", text: "hello room" });

    // Several ping intervals on: the node endpoints are still there (no pings, so no ETIMEDOUT).
    await new Promise((resolve) => setTimeout(resolve, 200)); // not a synchronisation: the time pings would need
    expect(a.node.events.filter((e) => e.type === "disconnected")).toEqual([]);
    expect(a.node.network.stats(bAtA.endpoint)?.rtt).toBeUndefined();
  });
});
