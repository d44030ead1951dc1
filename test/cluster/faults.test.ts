/**
 * The cluster's faults against a real redis-server: a node SIGKILLed, a node id registered again,
 * Redis stopped and restarted under traffic, Redis refusing or asking for credentials, TLS, and a
 * flood from one node.
 */
import net from "node:net";
import { fileURLToPath } from "node:url";
import { type NodeEvent, split, Transport } from "message-io";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeCertificates, type TestCertificates } from "../reliability/certs.js";
import { ChildPeer, killAllPeers } from "../reliability/child-peer.js";
import { isAccepted, isConnected, isDisconnected, isMessage, recordedNode, stopAll } from "../support/recorder.js";
import { freeTcpPort, RedisServer, stopAllRedis } from "../support/redis.js";
import { clusterNode, historyOf, isAcceptedFrom, type Message, PRESENCE, text } from "./support.js";

const fixture = fileURLToPath(new URL("./fixtures/cluster-node.mjs", import.meta.url));
let redis: RedisServer;
let clusterSerial = 0;
const fresh = () => `faults-${process.pid}-${++clusterSerial}`;

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterEach(async () => {
  await killAllPeers();
  await stopAll();
});
afterAll(stopAllRedis);

function childNode(url: string, options: object): ChildPeer {
  return ChildPeer.startScript(fixture, [url, JSON.stringify(options)]);
}

describe("cluster: a node dies", () => {
  it("a node SIGKILLed leaves with ETIMEDOUT within presenceTimeout", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a" });
    const child = childNode(redis.url, { cluster, nodeId: "doomed", presenceTimeout: PRESENCE });
    await child.waitFor((line) => line.event === "listening");
    const doomed = await a.peer("doomed");
    a.node.network.send(doomed, "are you there");
    await a.node.waitFor(isMessage); // its echo: it was alive
    await child.kill();
    const killedAt = Date.now();
    const gone = await a.node.waitFor(isDisconnected);
    expect(gone.error?.code).toBe("ETIMEDOUT");
    // Silent for presenceTimeout, noticed at the next check (a quarter of it later at most); the
    // margin is for a loaded machine's late timers, far below what another cause would take.
    expect(Date.now() - killedAt).toBeLessThan(PRESENCE * 2 + 1_000);
    expect(a.node.network.send(doomed, "gone")).toBe("not-found");
  });

  it("a node id registered again while present replaces the older one: disconnected (REPLACED) then accepted", async () => {
    const cluster = fresh();
    const a = await clusterNode(redis, { cluster, nodeId: "a", presenceTimeout: 60_000 });
    const first = childNode(redis.url, { cluster, nodeId: "phoenix" });
    await a.peer("phoenix");
    await first.kill(); // no goodbye: a still holds it for a minute
    const second = childNode(redis.url, { cluster, nodeId: "phoenix" });
    await second.waitFor((line) => line.event === "listening");
    await a.node.waitForCount((e) => e.type === "accepted" && e.endpoint.addr === "phoenix", 2);
    expect(historyOf(a.node, "phoenix")).toEqual(["accepted", "disconnected:REPLACED", "accepted"]);
    const replacement = a.node.ofType("accepted").filter((e) => e.endpoint.addr === "phoenix")[1];
    a.node.network.send(replacement?.endpoint as never, "hi");
    expect(text.decode((await a.node.waitFor(isMessage)).data)).toBe("hi");
  });
});

describe("cluster: Redis lost", () => {
  it("Redis stopped and restarted under traffic: CONNECTION_LOST, then accepted again; local connections untouched", async () => {
    const own = await RedisServer.start();
    const cluster = fresh();
    const a = await clusterNode(own, { cluster, nodeId: "a" });
    const b = await clusterNode(own, { cluster, nodeId: "b" });
    let bAtA = await a.peer("b");
    await b.peer("a");
    // A local ws connection of a, echoing, which must not notice anything.
    const { addr } = await a.node.network.listen(Transport.Ws, "127.0.0.1:0");
    const local = recordedNode();
    const client = local.network.connect(Transport.Ws, addr);
    await local.waitFor(isConnected);
    // Traffic from a to b all along, through the outage: sends never throw.
    let sent = 0;
    const statuses = new Set<string>();
    const traffic = setInterval(() => {
      for (let i = 0; i < 20; i++) statuses.add(a.node.network.send(bAtA, `t${sent++}`));
    }, 5);
    try {
      await b.node.waitForCount(isMessage, 100);
      await own.stop();
      const lostAtA = await a.node.waitFor(isDisconnected);
      const lostAtB = await b.node.waitFor(isDisconnected);
      expect([lostAtA.error?.code, lostAtB.error?.code]).toEqual(["CONNECTION_LOST", "CONNECTION_LOST"]);
      // Meanwhile, a's local connection works.
      local.network.send(client, "local");
      const serverSide = (await a.node.waitFor(isAcceptedFrom((addr) => addr !== "b"))).endpoint;
      expect(
        text.decode((await a.node.waitFor((e): e is Message => isMessage(e) && e.endpoint === serverSide)).data),
      ).toBe("local");
      const restarted = await own.restart();
      try {
        bAtA = await a.node
          .waitForCount((e) => e.type === "accepted" && e.endpoint.addr === "b", 2, 15_000)
          .then((events) => (events[1] as Extract<NodeEvent<never>, { type: "accepted" }>).endpoint);
        await b.node.waitForCount((e) => e.type === "accepted" && e.endpoint.addr === "a", 2, 15_000);
        const before = b.node.ofType("message").length;
        await b.node.waitForCount(isMessage, before + 50); // traffic flows again
        expect(historyOf(a.node, "b")).toEqual(["accepted", "disconnected:CONNECTION_LOST", "accepted"]);
      } finally {
        await restarted.stop();
      }
    } finally {
      clearInterval(traffic);
    }
    expect(statuses.has("sent")).toBe(true);
    expect(local.ofType("disconnected")).toEqual([]);
  });

  it("stop() ends every retry and leaves nothing running: the process exits by itself", async () => {
    const own = await RedisServer.start();
    const cluster = fresh();
    const a = await clusterNode(own, { cluster, nodeId: "a" });
    const child = childNode(own.url, { cluster, nodeId: "quitter", stopWhenLost: true });
    await a.peer("quitter");
    await own.stop(); // the child retries, then stops at its CONNECTION_LOST
    await child.waitFor((line) => line.event === "stopped");
    expect(await child.exitWithin(3_000)).toBe(0);
  });
});

describe("cluster: Redis refusing", () => {
  it("nothing listening: listen rejects with ECONNREFUSED", async () => {
    const node = recordedNode();
    const port = await freeTcpPort();
    await expect(node.network.listen(Transport.Cluster, `redis://127.0.0.1:${port}`)).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });

  it("a server that never answers: listen rejects with ETIMEDOUT after connectTimeout", async () => {
    const silent = net.createServer(() => {}); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const node = recordedNode();
      const started = Date.now();
      await expect(
        node.network.listen(Transport.Cluster, `redis://127.0.0.1:${port}`, { connectTimeout: 300 }),
      ).rejects.toMatchObject({ code: "ETIMEDOUT" });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it("a password, and an ACL user: the right credentials register, wrong or missing ones are AUTH_FAILED", async () => {
    const guarded = await RedisServer.start({ password: "s3cret", user: { name: "alice", password: "w0nder" } });
    try {
      const node = split();
      const at = (credentials: string) => `redis://${credentials}127.0.0.1:${guarded.port}`;
      for (const wrong of ["", ":nope@", "alice:nope@", "bob:w0nder@"]) {
        await expect(node.handler.network.listen(Transport.Cluster, at(wrong))).rejects.toMatchObject({
          code: "AUTH_FAILED",
        });
      }
      const cluster = fresh();
      const withPassword = await node.handler.network.listen(Transport.Cluster, at(":s3cret@"), { cluster });
      expect(withPassword.addr).toBe(`redis://127.0.0.1:${guarded.port}`); // no credentials in it
      const other = await clusterNode(at("alice:w0nder@"), { cluster, nodeId: "alice-node" });
      await other.node.waitFor(isAccepted);
      node.handler.stop();
    } finally {
      await guarded.stop();
    }
  });

  it("rediss:// with the CA in tls registers; without it the certificate is refused", async () => {
    const certs: TestCertificates = await makeCertificates();
    const tlsRedis = await RedisServer.start({ tls: await certificateFiles(certs) });
    try {
      const node = recordedNode();
      await expect(node.network.listen(Transport.Cluster, tlsRedis.url)).rejects.toMatchObject({
        code: expect.stringMatching(/CERT|SIGNED|ISSUER|VERIFY/),
      });
      const cluster = fresh();
      const a = await clusterNode(tlsRedis, { cluster, nodeId: "a", tls: { ca: certs.ca } });
      const b = await clusterNode(`rediss://localhost:${tlsRedis.port}`, {
        cluster,
        nodeId: "b",
        tls: { ca: certs.ca },
      });
      a.node.network.send(await a.peer("b"), "over tls");
      expect(text.decode((await b.node.waitFor(isMessage)).data)).toBe("over tls");
    } finally {
      await tlsRedis.stop();
      await certs.dispose();
    }
  });
});

describe("cluster: a flood", () => {
  it("one node flooding another is bounded at both ends, and the other nodes are still served", async () => {
    const cluster = fresh();
    const maxQueuedMessages = 500;
    // b does not take its events while the flood lasts: its queue for a fills, then a's messages drop.
    const b = split();
    await b.handler.network.listen(Transport.Cluster, redis.url, { cluster, nodeId: "b", maxQueuedMessages });
    const receiver = b.listener.enqueue();
    const a = await clusterNode(redis, { cluster, nodeId: "a", maxPendingBytes: 256 * 1024 });
    const c = await clusterNode(redis, { cluster, nodeId: "c" });
    const bAtA = await a.peer("b");
    const bAtC = await c.peer("b");
    const payload = new Uint8Array(1024);
    const statuses = new Map<string, number>();
    const flood = 20_000;
    for (let i = 0; i < flood; i++) {
      const status = a.node.network.send(bAtA, payload);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (i === flood / 2) for (let j = 0; j < 10; j++) c.node.network.send(bAtC, `c${j}`);
    }
    // The sender's backlog stays bounded: past maxPendingBytes, send says buffer-full.
    expect(statuses.get("buffer-full") ?? 0).toBeGreaterThan(0);
    expect(a.node.network.pendingBytes(bAtA)).toBeLessThanOrEqual(256 * 1024 + 1024);
    // Once Redis acknowledged all of a's messages, a message c sends reaches b after them all.
    const deadline = Date.now() + 20_000;
    while (a.node.network.pendingBytes(bAtA) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    c.node.network.send(bAtC, "end");
    const fromA: number[] = [];
    const fromC: string[] = [];
    for (let last = ""; last !== "end"; ) {
      const event = await receiver.receiveTimeout(10_000);
      if (event === undefined) throw new Error(`no "end" from c; ${fromA.length} from a, c: ${fromC}`);
      if (event.type !== "message") continue;
      if (event.endpoint.addr === "a") fromA.push(event.data.length);
      else {
        last = text.decode(event.data);
        fromC.push(last);
      }
    }
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromA.length).toBeLessThanOrEqual(maxQueuedMessages);
    expect(fromC).toEqual([...Array.from({ length: 10 }, (_, j) => `c${j}`), "end"]);
    b.handler.stop();
  });
});

async function certificateFiles(certs: TestCertificates) {
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const path = await import("node:path");
  const dir = await mkdtemp(path.join(tmpdir(), "message-io-redis-tls-"));
  const keyFile = path.join(dir, "server.key");
  const certFile = path.join(dir, "server.pem");
  await writeFile(keyFile, certs.key);
  await writeFile(certFile, certs.cert);
  return { key: certs.key, cert: certs.cert, keyFile, certFile };
}
