/**
 * `reconnect` over real sockets, on every connection-oriented transport: a server that goes away and
 * comes back, one that refuses for a while, a link cut in the middle of a message, a peer that
 * accepts TCP and then says nothing, `remove` during a wait, and what happens to the messages sent
 * meanwhile. Delays are tens of ms (the minute-long outage is the unit test's, on a manual clock).
 */
import net from "node:net";
import { fileURLToPath } from "node:url";
import { type Endpoint, type NetEvent, type NodeEvent, type ReconnectOptions, SendStatus, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { isAccepted, isMessage, type Recorder, recordedNode } from "../support/recorder.js";
import { runToExit } from "../support/run-to-exit.js";
import { closeProxies, LinkProxy } from "./proxy.js";
import { dialAddress, echoNode, freeAddress, guardEveryTest } from "./support.js";

type Reconnecting = Extract<NetEvent, { type: "reconnecting" }>;
const isReconnecting = (e: NodeEvent<unknown>): e is Reconnecting => e.type === "reconnecting";
const isReconnected = (e: NodeEvent<unknown>) => e.type === "reconnected";
const isConnected = (e: NodeEvent<unknown>) => e.type === "connected";

/** Short, fixed delays: 20, 40, 80, then 100 ms. */
const FAST: ReconnectOptions = { initialDelay: 20, factor: 2, maxDelay: 100, jitter: 0 };
const TRANSPORTS = [Transport.Tcp, Transport.FramedTcp, Transport.Ws] as const;
const utf8 = new TextDecoder();

const silentServers: { server: net.Server; sockets: net.Socket[] }[] = [];
guardEveryTest(async () => {
  await closeProxies();
  for (const { server, sockets } of silentServers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** An echo server bound at `addr` (which the previous one may just have left). */
async function serverAt(transport: string, addr: string): Promise<Recorder> {
  const server = echoNode();
  await server.network.listen(transport as Transport, addr);
  return server;
}

/** Everything `node` received from `endpoint`, as text: a stream's chunks may split or merge. */
function received(node: Recorder, endpoint?: Endpoint): string {
  return node.events
    .filter(isMessage)
    .filter((e) => endpoint === undefined || e.endpoint === endpoint)
    .map((e) => utf8.decode(e.data))
    .join("");
}

function waitForText(node: Recorder, text: string, endpoint?: Endpoint): Promise<unknown> {
  return node.waitFor((e) => isMessage(e) && received(node, endpoint).includes(text));
}

/** The events of a reconnecting endpoint, as short lines. */
function story(node: Pick<Recorder, "about">, endpoint: Endpoint): string[] {
  return node.about(endpoint.key).flatMap((e) => {
    switch (e.type) {
      case "connected":
        return [e.ok ? "connected" : `connected failed ${e.error.code}`];
      case "reconnecting":
        return [`reconnecting ${e.attempt}${e.error ? ` ${e.error.code}` : ""}`];
      case "reconnected":
        return ["reconnected"];
      case "disconnected":
        return [`disconnected${e.error ? ` ${e.error.code}` : ""}`];
      default:
        return [];
    }
  });
}

describe.each(TRANSPORTS)("%s with reconnect", (transport) => {
  it("a server gone for a while and back: one endpoint, reconnecting from attempt 1, reconnected, messages flow again", async () => {
    const addr = await freeAddress();
    let server = await serverAt(transport, addr);
    const client = recordedNode();
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    await client.waitFor(isConnected);
    client.network.send(endpoint, "before;");
    await waitForText(client, "before;");

    await server.stop();
    // Refused a few times while it is away.
    await client.waitForCount(isReconnecting, 3);
    expect(client.network.isReady(endpoint.id)).toBe(false);
    server = await serverAt(transport, addr);
    await client.waitFor(isReconnected);
    expect(client.network.isReady(endpoint.id)).toBe(true);
    expect(client.network.send(endpoint, "after;")).toBe(SendStatus.Sent);
    await waitForText(client, "after;");

    const lines = story(client, endpoint);
    expect(lines[0]).toBe("connected");
    // The server's own stop is a clean close or a reset, depending on the transport; either is a drop.
    expect(lines[1]).toMatch(/^reconnecting 1( [A-Z_]+)?$/);
    const refused = lines.slice(2, -1);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    refused.forEach((line, i) => expect(line).toBe(`reconnecting ${i + 2} ECONNREFUSED`));
    expect(lines.at(-1)).toBe("reconnected");
    // Every event is about the one endpoint connect returned.
    expect(
      client.events.filter((e) => e.type !== "message").every((e) => "endpoint" in e && e.endpoint === endpoint),
    ).toBe(true);
  });

  it("a server refusing for a while: connected once it listens, after reconnecting 2, 3, ...", async () => {
    const addr = await freeAddress();
    const client = recordedNode();
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    expect(client.network.send(endpoint, "early;")).toBe(SendStatus.Queued);
    await client.waitForCount(isReconnecting, 2);
    const server = await serverAt(transport, addr);
    await client.waitFor(isConnected);
    // What was sent before the first link left with it.
    await waitForText(client, "early;");
    const lines = story(client, endpoint);
    expect(lines.at(-1)).toBe("connected");
    lines.slice(0, -1).forEach((line, i) => expect(line).toBe(`reconnecting ${i + 2} ECONNREFUSED`));
    expect(server.ofType("accepted")).toHaveLength(1);
  });

  it("sends while down are held in order, leave once linked, and nothing is sent twice", async () => {
    const addr = await freeAddress();
    const first = await serverAt(transport, addr);
    const client = recordedNode();
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), {
      reconnect: FAST,
      maxPendingBytes: 64,
    });
    await client.waitFor(isConnected);
    for (let i = 1; i <= 5; i++) expect(client.network.send(endpoint, `${i};`)).toBe(SendStatus.Sent);
    await waitForText(first, "5;");
    await first.stop();
    await client.waitFor(isReconnecting);
    for (let i = 6; i <= 10; i++) expect(client.network.send(endpoint, `${i};`)).toBe(SendStatus.Queued);
    expect(client.network.pendingBytes(endpoint)).toBe("6;7;8;9;10;".length);
    expect(client.network.send(endpoint, "x".repeat(60))).toBe(SendStatus.BufferFull);
    const second = await serverAt(transport, addr);
    await client.waitFor(isReconnected);
    expect(client.network.send(endpoint, "11;")).toBe(SendStatus.Sent);
    await waitForText(second, "11;");
    expect(received(first)).toBe("1;2;3;4;5;");
    expect(received(second)).toBe("6;7;8;9;10;11;");
  });

  it("remove during a wait returns true: nothing of it follows, and no attempt reaches a server started later", async () => {
    const addr = await freeAddress();
    const client = recordedNode<string>();
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    await client.waitFor(isReconnecting);
    expect(client.network.remove(endpoint.id)).toBe(true);
    const server = await serverAt(transport, addr);
    // Ten times the delay it was waiting for: an attempt would have come by then.
    client.handler.signals.sendWithTimer("marker", 200);
    await client.waitFor((e) => e.type === "signal");
    expect(story(client, endpoint)).toEqual(["reconnecting 2 ECONNREFUSED"]);
    expect(server.ofType("accepted")).toEqual([]);
  });

  it("maxAttempts bounds an outage: disconnected, the last event, when the server does not come back", async () => {
    const addr = await freeAddress();
    const server = await serverAt(transport, addr);
    const client = recordedNode();
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), {
      reconnect: { ...FAST, maxAttempts: 2 },
    });
    await client.waitFor(isConnected);
    await server.stop();
    await client.waitFor((e) => e.type === "disconnected");
    const lines = story(client, endpoint);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^reconnecting 1/);
    expect(lines.slice(2)).toEqual(["reconnecting 2 ECONNREFUSED", "disconnected ECONNREFUSED"]);
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
  });
});

/** Raw TCP servers that accept and never say a word. */
async function silentServer(): Promise<{ addr: string; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    sockets.push(socket);
  });
  silentServers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { addr: `127.0.0.1:${port}`, sockets };
}

describe("a peer that accepts TCP and then says nothing", () => {
  it("ws: each attempt's handshake times out (timeout) and is retried, until maxAttempts", async () => {
    const silent = await silentServer();
    const client = recordedNode();
    const endpoint = client.network.connect(Transport.Ws, `ws://${silent.addr}/`, {
      timeout: 100,
      reconnect: { ...FAST, maxAttempts: 3 },
    });
    await client.waitFor(isConnected);
    expect(story(client, endpoint)).toEqual([
      "reconnecting 2 ETIMEDOUT",
      "reconnecting 3 ETIMEDOUT",
      "connected failed ETIMEDOUT",
    ]);
    expect(silent.sockets).toHaveLength(3);
  });

  it.each([Transport.Tcp, Transport.FramedTcp])(
    "%s: TCP's accept is the link; its idleTimeout ends each silent link, and it comes back",
    async (transport) => {
      const silent = await silentServer();
      const client = recordedNode();
      const endpoint = client.network.connect(transport, silent.addr, { idleTimeout: 100, reconnect: FAST });
      await client.waitForCount(isReconnecting, 2);
      client.network.remove(endpoint.id);
      expect(story(client, endpoint).slice(0, 4)).toEqual([
        "connected",
        "reconnecting 1 ETIMEDOUT",
        "reconnected",
        "reconnecting 1 ETIMEDOUT",
      ]);
      expect(silent.sockets.length).toBeGreaterThanOrEqual(2);
    },
  );
});

describe("framed-tcp: a link cut in the middle of a message", () => {
  const big = "x".repeat(512 * 1024);

  /** An echo server, and a reconnecting client linked to it through a `LinkProxy`. */
  async function linkedThroughProxy() {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, "127.0.0.1:0");
    const proxy = await LinkProxy.start(addr);
    const client = recordedNode();
    const endpoint = client.network.connect(Transport.FramedTcp, proxy.addr, { reconnect: FAST });
    await client.waitFor(isConnected);
    return { server, proxy, client, endpoint };
  }

  it("the client never sees half of the server's message; whole messages flow on the next link", async () => {
    const { server, proxy, client, endpoint } = await linkedThroughProxy();
    const serverSide = (await server.waitFor(isAccepted)).endpoint;
    proxy.cutDown = 100_000;
    server.network.send(serverSide, big);
    await client.waitFor(isReconnecting);
    await client.waitFor(isReconnected);
    client.network.send(endpoint, "whole");
    await client.waitFor((e) => isMessage(e) && utf8.decode(e.data) === "whole");
    expect(proxy.cuts).toBe(1);
    expect(client.ofType("message").map((e) => e.data.length)).toEqual([5]);
    expect(story(client, endpoint).slice(0, 3)).toEqual([
      "connected",
      expect.stringMatching(/^reconnecting 1/),
      "reconnected",
    ]);
  });

  it("the server never sees half of the client's message, and the client does not send it again", async () => {
    const { server, proxy, client, endpoint } = await linkedThroughProxy();
    proxy.cutUp = 100_000;
    expect(client.network.send(endpoint, big)).toBe(SendStatus.Sent);
    await client.waitFor(isReconnected);
    client.network.send(endpoint, "after");
    await waitForText(server, "after");
    expect(server.ofType("message").map((e) => utf8.decode(e.data))).toEqual(["after"]);
    expect(server.ofType("disconnected")).toHaveLength(1);
  });
});

it("stop() during a wait leaves no timer: the process exits by itself", async () => {
  // A timer left armed would keep the child alive for an hour: it is killed after 15 s, and this fails.
  const { output, code } = await runToExit(
    fileURLToPath(new URL("../fixtures/reconnect-stop-child.mjs", import.meta.url)),
  );
  expect(output).toMatch(/^waiting \d+ ms for attempt 2\nstopped\n$/);
  expect(code).toBe(0);
});
