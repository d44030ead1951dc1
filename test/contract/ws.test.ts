/**
 * The `ws` transport: the library's client and server against each other, and against plain `ws`
 * sockets standing in for foreign peers (a browser, message-io in Rust).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type NodeEvent, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import {
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  type Recorder,
  recordedNode,
  stopAll,
} from "../support/recorder.js";

const LOCAL = "127.0.0.1:0";
const utf8 = new TextEncoder();

/** Plain `ws` peers and servers a test opened, closed after it. */
const foreign: { close(): void }[] = [];

afterEach(async () => {
  for (const peer of foreign.splice(0)) peer.close();
  await stopAll();
});

function echoServer(): Recorder {
  const server: Recorder = recordedNode((event) => {
    if (event.type === "message") server.network.send(event.endpoint, event.data);
  });
  return server;
}

/** A plain `ws` client, open. */
async function plainClient(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  foreign.push({ close: () => ws.terminate() });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return ws;
}

/** The HTTP status a plain `ws` client's handshake was refused with. */
function refusedStatus(url: string, options?: WebSocket.ClientOptions): Promise<number> {
  const ws = new WebSocket(url, options);
  foreign.push({ close: () => ws.terminate() });
  return new Promise((resolve, reject) => {
    ws.once("open", () => reject(new Error(`${url} was accepted`)));
    ws.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", () => {});
  });
}

/** The `n`th event (1-based) of `node` that matches, counting those already recorded. */
async function nth<E extends NodeEvent<never>>(
  node: Recorder,
  predicate: (event: NodeEvent<never>) => event is E,
  n = 1,
): Promise<E> {
  return (await node.waitForCount(predicate, n))[n - 1] as E;
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data: Buffer, isBinary) => resolve({ data, isBinary })));
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once("close", (code) => resolve(code)));
}

describe("ws", () => {
  it("delivers a foreign client's text frame as its UTF-8 bytes, and sends it binary frames", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL);
    const ws = await plainClient(`ws://${addr}/any/path`);
    const echoed = nextMessage(ws);
    ws.send("héllo ✓");
    const received = await nth(server, isMessage);
    expect(new Uint8Array(received.data)).toEqual(utf8.encode("héllo ✓"));
    const { data, isBinary } = await echoed;
    expect(isBinary).toBe(true);
    expect(new Uint8Array(data)).toEqual(utf8.encode("héllo ✓"));
  });

  it("delivers a foreign server's text frame to the client as its UTF-8 bytes", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    foreign.push(wss);
    await new Promise((resolve) => wss.once("listening", resolve));
    wss.on("connection", (ws) => ws.send("text ✓"));
    const client = recordedNode();
    client.network.connect(Transport.Ws, `127.0.0.1:${(wss.address() as AddressInfo).port}`);
    expect(new Uint8Array((await nth(client, isMessage)).data)).toEqual(utf8.encode("text ✓"));
  });

  it('connects "host:port" to /message-io-default, and a ws:// URL as given', async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    foreign.push(wss);
    await new Promise((resolve) => wss.once("listening", resolve));
    const paths: string[] = [];
    const frames: boolean[] = [];
    wss.on("connection", (ws, request) => {
      paths.push(request.url ?? "");
      ws.on("message", (_data, isBinary) => frames.push(isBinary));
    });
    const port = (wss.address() as AddressInfo).port;
    const client = recordedNode();
    const first = await client.network.connectAsync(Transport.Ws, `127.0.0.1:${port}`);
    const second = await client.network.connectAsync(Transport.Ws, `ws://127.0.0.1:${port}/game?room=1`);
    expect(first.addr).toBe(`127.0.0.1:${port}`);
    expect(second.addr).toBe(`127.0.0.1:${port}`);
    expect(paths).toEqual(["/message-io-default", "/game?room=1"]);
    expect(client.network.connect(Transport.Ws, "ws://localhost/x").addr).toBe("localhost:80");
    expect(client.network.connect(Transport.Ws, "wss://[::1]/x").addr).toBe("[::1]:443");
  });

  it("throws INVALID_ADDRESS at once for an address that is neither host:port nor a ws URL", () => {
    const client = recordedNode();
    for (const bad of ["http://127.0.0.1:80/", "no-port", "ws://", "127.0.0.1:99999"]) {
      expect(() => client.network.connect(Transport.Ws, bad)).toThrow(
        expect.objectContaining({ code: "INVALID_ADDRESS" }),
      );
    }
  });

  it("accepts only its path when `path` is set", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL, { path: "/game" });
    expect(await refusedStatus(`ws://${addr}/other`)).toBe(404);
    const client = recordedNode();
    const refused = client.network.connect(Transport.Ws, addr); // /message-io-default
    const event = await nth(client, isConnected);
    expect(event.endpoint).toBe(refused);
    expect(event.ok).toBe(false);
    await client.network.connectAsync(Transport.Ws, `ws://${addr}/game`);
    await nth(server, isAccepted);
    expect(server.ofType("accepted")).toHaveLength(1);
  });

  it("refuses a foreign Origin with 403 when `origins` is set", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL, { origins: ["https://game.example"] });
    expect(await refusedStatus(`ws://${addr}/`, { origin: "https://evil.example" })).toBe(403);
    await plainClient(`ws://${addr}/`, { origin: "https://game.example" });
    await nth(server, isAccepted);
  });

  it("attaches to an existing http server: one port for the page and the socket", async () => {
    const web = http.createServer((_request, response) => response.end("<h1>game</h1>"));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const port = (web.address() as AddressInfo).port;
    try {
      const server = echoServer();
      const { id, addr } = await server.network.listen(Transport.Ws, "ignored:1", { server: web });
      expect(addr).toBe(`127.0.0.1:${port}`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toBe("<h1>game</h1>");

      const client = recordedNode();
      const endpoint = await client.network.connectAsync(Transport.Ws, `ws://127.0.0.1:${port}/socket`);
      client.network.send(endpoint, "ping");
      expect(new Uint8Array((await nth(client, isMessage)).data)).toEqual(utf8.encode("ping"));

      // Removing the listener leaves the user's server serving its pages.
      server.network.remove(id);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("<h1>game</h1>");
      expect(web.listening).toBe(true);
    } finally {
      await stopAll(); // the upgraded sockets first: the server's close waits for them
      web.closeAllConnections();
      await new Promise((resolve) => web.close(resolve));
    }
  });

  it("tells the client when the server removes its connection, with a close frame (1000)", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.Ws, addr);
    const { endpoint: serverSide } = await nth(server, isAccepted);
    expect(server.network.remove(serverSide.id)).toBe(true);
    const gone = await nth(client, isDisconnected);
    expect(gone.endpoint).toBe(endpoint);
    expect(gone.error).toBeUndefined();

    const ws = await plainClient(`ws://${addr}/`);
    const { endpoint: plainSide } = await nth(server, isAccepted, 2);
    const code = closeCode(ws);
    server.network.remove(plainSide.id);
    expect(await code).toBe(1000);
    expect(server.ofType("disconnected")).toHaveLength(0);
  });

  it("fails a connect that does not open within `timeout` with ETIMEDOUT", async () => {
    // A TCP server that never answers the handshake.
    const silent = http.createServer();
    const held: Duplex[] = [];
    silent.on("upgrade", (_request, socket: Duplex) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const client = recordedNode();
      client.network.connect(Transport.Ws, `127.0.0.1:${(silent.address() as AddressInfo).port}`, { timeout: 50 });
      const event = await nth(client, isConnected);
      expect(event.ok).toBe(false);
      expect(event.error?.code).toBe("ETIMEDOUT");
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("ends a peer that sends more than maxMessageSize with MESSAGE_TOO_LARGE, and serves the others", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL, { maxMessageSize: 1024 });
    const client = recordedNode();
    const good = await client.network.connectAsync(Transport.Ws, addr);
    const { endpoint: goodSide } = await nth(server, isAccepted);
    const bad = await plainClient(`ws://${addr}/`);
    const { endpoint: badSide } = await nth(server, isAccepted, 2);
    const code = closeCode(bad);
    bad.send(new Uint8Array(2048));
    const gone = await nth(server, isDisconnected);
    expect(gone.endpoint).toBe(badSide);
    expect(gone.error?.code).toBe("MESSAGE_TOO_LARGE");
    expect(await code).toBe(1009);

    client.network.send(good, new Uint8Array(1024));
    expect((await nth(client, isMessage)).data.length).toBe(1024);
    expect(server.about(goodSide.key).filter(isDisconnected)).toHaveLength(0);
  });

  it("ends the client's connection when the server sends more than the client's maxMessageSize", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.Ws, addr, { maxMessageSize: 100 });
    // The client may send 100 bytes; the server answers with more.
    const { endpoint: serverSide } = await nth(server, isAccepted);
    server.network.send(serverSide, new Uint8Array(200));
    const gone = await nth(client, isDisconnected);
    expect(gone.endpoint).toBe(endpoint);
    expect(gone.error?.code).toBe("MESSAGE_TOO_LARGE");
  });

  it("disconnects a peer that does not answer the heartbeat with ETIMEDOUT", async () => {
    const server = recordedNode();
    // Long enough that a busy machine still answers every ping in time, short enough to be quick.
    const { addr } = await server.network.listen(Transport.Ws, LOCAL, { heartbeat: 400 });
    const client = recordedNode();
    const healthy = await client.network.connectAsync(Transport.Ws, addr);
    const { endpoint: healthySide } = await nth(server, isAccepted);
    await plainClient(`ws://${addr}/`, { autoPong: false });
    const { endpoint: silentSide } = await nth(server, isAccepted, 2);
    const gone = await nth(server, isDisconnected);
    expect(gone.endpoint).toBe(silentSide);
    expect(gone.error?.code).toBe("ETIMEDOUT");
    // The healthy client answered every ping, and is still served.
    client.network.send(healthy, "still here");
    expect((await nth(server, isMessage)).endpoint).toBe(healthySide);
  });
});
