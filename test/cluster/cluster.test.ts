/**
 * `Transport.Cluster` against a real redis-server (LAYERS.md section 6): presence, messages between
 * nodes in order, groups across nodes, leaving, replacing, and the listener's own errors.
 */
import { type Endpoint, type NodeEvent, split, Transport } from "message-io";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAccepted, isConnected, isDisconnected, isMessage, recordedNode, stopAll } from "../support/recorder.js";
import { RedisServer, stopAllRedis } from "../support/redis.js";
import { clusterNode, historyOf, isAcceptedFrom, PRESENCE, text } from "./support.js";

let redis: RedisServer;
let clusterSerial = 0;
/** A cluster name of its own per test: nodes of other tests on the same Redis never meet. */
const fresh = () => `test-${process.pid}-${++clusterSerial}`;

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterEach(stopAll);
afterAll(stopAllRedis);

describe("cluster: presence", () => {
  it("listen resolves with the URL; every node appears at the others as accepted, its addr its id", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    const b = await clusterNode(redis, { cluster, nodeId: "b" });
    const c = await clusterNode(redis, { cluster, nodeId: "c" });
    const seen = await Promise.all([a.peer("b"), a.peer("c"), b.peer("a"), b.peer("c"), c.peer("a"), c.peer("b")]);
    expect(seen.map((e) => e.addr)).toEqual(["b", "c", "a", "c", "a", "b"]);
    expect(a.node.ofType("accepted").every((e) => e.listener === a.listener && e.peer === undefined)).toBe(true);
    // Another cluster on the same Redis: its nodes never meet ours. Redis delivers in order, so
    // once a saw "e" (registered after "d"), it would have seen "d" already.
    const other = await clusterNode(redis, { cluster: fresh(), nodeId: "d" });
    await clusterNode(redis, { cluster, nodeId: "e" });
    await a.peer("e");
    expect(a.node.events.some((e) => e.type === "accepted" && e.endpoint.addr === "d")).toBe(false);
    expect(other.node.ofType("accepted")).toEqual([]);
  });

  it("listen resolves with the address without credentials", async () => {
    const node = recordedNode();
    const withDb = `redis://127.0.0.1:${redis.port}/3`;
    expect((await node.network.listen(Transport.Cluster, withDb, { cluster: fresh() })).addr).toBe(withDb);
  });

  it("a node that removes its listener or stops leaves at once, without error", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    const b = await clusterNode(redis, { cluster, nodeId: "b" });
    const c = await clusterNode(redis, { cluster, nodeId: "c" });
    await Promise.all([a.peer("b"), a.peer("c"), b.peer("a"), b.peer("c")]);
    const started = Date.now();
    expect(b.node.network.remove(b.listener)).toBe(true);
    c.node.handler.stop();
    await a.node.waitForCount(isDisconnected, 2);
    expect(Date.now() - started).toBeLessThan(PRESENCE); // not by the presence timeout
    expect(historyOf(a.node, "b")).toEqual(["accepted", "disconnected"]);
    expect(historyOf(a.node, "c")).toEqual(["accepted", "disconnected"]);
    // remove(listener) ends its node endpoints here too, with disconnected.
    expect(historyOf(b.node, "a")).toEqual(["accepted", "disconnected"]);
    expect(historyOf(b.node, "c")).toEqual(["accepted", "disconnected"]);
  });

  it("remove(nodeEndpoint) ignores that node here until it leaves and joins again", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    let b = await clusterNode(redis, { cluster, nodeId: "b" });
    const bAtA = await a.peer("b");
    const aAtB = await b.peer("a");
    expect(a.node.network.remove(bAtA.id)).toBe(true);
    for (let i = 0; i < 5; i++) b.node.network.send(aAtB, `ignored ${i}`);
    // b keeps announcing itself meanwhile: a must not accept it again.
    await new Promise((resolve) => setTimeout(resolve, PRESENCE / 2));
    expect(a.node.ofType("message")).toEqual([]);
    expect(historyOf(a.node, "b")).toEqual(["accepted"]);
    b.node.handler.stop();
    b = await clusterNode(redis, { cluster, nodeId: "b" });
    await a.node.waitForCount((e) => e.type === "accepted" && e.endpoint.addr === "b", 2);
    b.node.network.send(await b.peer("a"), "heard");
    const message = await a.node.waitFor(isMessage);
    expect(text.decode(message.data)).toBe("heard");
  });
});

describe("cluster: messages", () => {
  it("send reaches the node whole and in order, interleaved with group messages in the order sent", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    const b = await clusterNode(redis, { cluster, nodeId: "b" });
    // b has a ws client in group "room": it sees a's group messages; b's listener sees a's direct ones.
    const { addr } = await b.node.network.listen(Transport.Ws, "127.0.0.1:0");
    const client = recordedNode();
    client.network.connect(Transport.Ws, addr);
    await client.waitFor(isConnected);
    const member = (await b.node.waitFor(isAcceptedFrom((addr) => addr !== "a"))).endpoint;
    expect(b.node.handler.groups.join("room", member)).toBe(true);
    const bAtA = await a.peer("b");
    const order: string[] = [];
    const total = 2_000;
    for (let i = 0; i < total; i++) {
      const label = `m${i}`;
      if (i % 3 === 0) a.node.handler.groups.send("room", label);
      else expect(a.node.network.send(bAtA, label)).toBe("sent");
      order.push(label);
    }
    const direct = order.filter((_, i) => i % 3 !== 0);
    const grouped = order.filter((_, i) => i % 3 === 0);
    const fromA = (e: NodeEvent<never>) => e.type === "message" && e.endpoint.addr === "a";
    const received = await b.node.waitForCount(fromA, direct.length);
    expect(received.map((e) => (e.type === "message" ? text.decode(e.data) : ""))).toEqual(direct);
    const relayed = await client.waitForCount(isMessage, grouped.length);
    expect(relayed.map((e) => text.decode(e.data))).toEqual(grouped);
  });

  it("a group message reaches a member that joined on the sender's earlier message: one order for both", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    // b joins its ws client to the room when a tells it to, and only then.
    const b = await clusterNode(redis, { cluster, nodeId: "b" }, (event) => {
      if (event.type !== "message" || event.endpoint.addr !== "a") return;
      const client = b.node.ofType("accepted").find((e) => e.endpoint.addr !== "a");
      if (client !== undefined) b.node.handler.groups.join(text.decode(event.data), client.endpoint);
    });
    const { addr } = await b.node.network.listen(Transport.Ws, "127.0.0.1:0");
    const client = recordedNode();
    client.network.connect(Transport.Ws, addr);
    await client.waitFor(isConnected);
    await b.node.waitFor(isAcceptedFrom((from) => from !== "a"));
    const bAtA = await a.peer("b");
    // In one turn, so both frames likely reach b in one read: the join must still come first.
    for (let room = 0; room < 50; room++) {
      a.node.network.send(bAtA, `room-${room}`);
      a.node.handler.groups.send(`room-${room}`, `welcome to ${room}`);
    }
    const welcomes = await client.waitForCount(isMessage, 50);
    expect(welcomes.map((e) => text.decode(e.data))).toEqual(Array.from({ length: 50 }, (_, i) => `welcome to ${i}`));
  });

  it("a message of exactly maxMessageSize (1 MiB) goes whole; one byte more is refused at the sender", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    const b = await clusterNode(redis, { cluster, nodeId: "b" });
    const bAtA = await a.peer("b");
    const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff);
    expect(a.node.network.send(bAtA, new Uint8Array(1024 * 1024 + 1))).toBe("max-size-exceeded");
    expect(a.node.network.send(bAtA, big)).toBe("sent");
    const message = await b.node.waitFor(isMessage);
    expect(Buffer.from(message.data).equals(Buffer.from(big))).toBe(true);
    expect(message.endpoint.addr).toBe("a");
  });

  it("a node that sends over this node's maxMessageSize is ended with MESSAGE_TOO_LARGE", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a", maxMessageSize: 4 * 1024 * 1024 });
    const b = await clusterNode(redis, { cluster, nodeId: "b" });
    a.node.network.send(await a.peer("b"), new Uint8Array(2 * 1024 * 1024));
    await b.peer("a");
    const gone = await b.node.waitFor(isDisconnected);
    expect(gone.error?.code).toBe("MESSAGE_TOO_LARGE");
    expect(b.node.ofType("message")).toEqual([]);
  });

  it("groups.send reaches the members of every node once, and the sender's own but except", async () => {
    const cluster = fresh();
    const nodes = await Promise.all(["a", "b", "c"].map((nodeId) => clusterNode(redis, { cluster, nodeId })));
    const clients = [];
    const members: Endpoint[] = [];
    for (const { node } of nodes) {
      const { addr } = await node.network.listen(Transport.Ws, "127.0.0.1:0");
      for (let i = 0; i < 2; i++) {
        const client = recordedNode();
        client.network.connect(Transport.Ws, addr);
        await client.waitFor(isConnected);
        clients.push(client);
      }
      for (const e of await node.waitForCount(isAccepted, 2)) {
        if (e.endpoint.addr === "b" || e.endpoint.addr === "c" || e.endpoint.addr === "a") continue;
      }
      const wsMembers = node.ofType("accepted").filter((e) => !["a", "b", "c"].includes(e.endpoint.addr));
      for (const e of wsMembers) {
        expect(node.handler.groups.join("lobby", e.endpoint)).toBe(true);
        members.push(e.endpoint);
      }
    }
    const [a] = nodes as [(typeof nodes)[0]];
    await Promise.all([a.peer("b"), a.peer("c")]);
    // Node endpoints cannot join: groups hold this node's own connections.
    expect(a.node.handler.groups.join("lobby", await a.peer("b"))).toBe(false);
    expect(a.node.handler.groups.send("lobby", "hello all", { except: members[0] })).toBe(1);
    const expected = [0, 1, 1, 1, 1, 1];
    await Promise.all(clients.map((c, i) => (expected[i] ? c.waitFor(isMessage) : Promise.resolve())));
    // local: a's members only. Then a last message proves what arrived once, and what not at all:
    // each client holds exactly its share (a's messages reach each node in the order sent).
    expect(a.node.handler.groups.send("lobby", "a only", { local: true })).toBe(2);
    a.node.handler.groups.send("lobby", "again");
    const atA = (n: number) => [...(n ? ["hello all"] : []), "a only", "again"];
    const shares = expected.map((n, i) => (i < 2 ? atA(n) : ["hello all", "again"]));
    await Promise.all(clients.map((c, i) => c.waitForCount(isMessage, shares[i]?.length as number)));
    expect(clients.map((c) => c.ofType("message").map((e) => text.decode(e.data)))).toEqual(shares);
  });
});

describe("cluster: errors", () => {
  it("a malformed address rejects with INVALID_ADDRESS; bad options with INVALID_ARGUMENT", async () => {
    const node = recordedNode();
    for (const addr of ["127.0.0.1:6379", "http://127.0.0.1:1", "redis://", "redis://h:1/x", "redis://h:1/?a=1"]) {
      await expect(node.network.listen(Transport.Cluster, addr)).rejects.toMatchObject({ code: "INVALID_ADDRESS" });
    }
    const bad = [{ nodeId: "" }, { nodeId: "x".repeat(256) }, { presenceTimeout: 0 }, { cluster: "" }];
    for (const options of bad) {
      await expect(node.network.listen(Transport.Cluster, redis.url, options)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
  });

  it("one cluster listener per node: a second fails with INVALID_ARGUMENT, even while the first registers", async () => {
    const node = recordedNode();
    const first = node.network.listen(Transport.Cluster, redis.url, { cluster: fresh() });
    await expect(node.network.listen(Transport.Cluster, redis.url, { cluster: fresh() })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    const { id } = await first;
    await expect(node.network.listen(Transport.Cluster, redis.url)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    node.network.remove(id);
    await node.network.listen(Transport.Cluster, redis.url, { cluster: fresh() }); // free again once removed
  });

  it("connect(Transport.Cluster) throws UNSUPPORTED_TRANSPORT", () => {
    const node = recordedNode();
    expect(() => node.network.connect(Transport.Cluster as never, redis.url)).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED_TRANSPORT" }),
    );
  });

  it("nodeId defaults to identity.id, else a random id", async () => {
    const cluster = fresh();
    const watcher = await clusterNode(redis, { cluster, nodeId: "watcher" });
    const named = split({ identity: { id: "server-7" } });
    await named.handler.network.listen(Transport.Cluster, redis.url, { cluster });
    const anonymous = split();
    await anonymous.handler.network.listen(Transport.Cluster, redis.url, { cluster });
    await watcher.peer("server-7");
    const other = await watcher.node.waitFor(
      (e) => e.type === "accepted" && !["server-7", "watcher"].includes(e.endpoint.addr),
    );
    expect(other.type === "accepted" && other.endpoint.addr.length).toBeGreaterThan(0);
    named.handler.stop();
    anonymous.handler.stop();
  });
});
