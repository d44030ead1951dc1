/**
 * Hostile peers of a `ws` listener: requests that are not WebSocket upgrades, broken upgrades,
 * invalid frames, frames over the limit, a foreign Origin, handshakes that never finish and peers
 * that fall silent. Each ends only its own connection, with a coded `disconnected` when it had been
 * accepted, and the well-behaved client keeps being served.
 */
import { Transport, type WsListenOptions } from "message-io";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { isAccepted, isDisconnected } from "../support/recorder.js";
import { clientFrame, type FrameOptions, Opcode, rawUpgrade, sendRequest, upgradeRequest } from "./raw-ws.js";
import { echoNode, GoodClient, guardEveryTest, rawSocket, socketClosed } from "./support.js";

const LOCAL = "127.0.0.1:0";
const utf8 = new TextEncoder();

guardEveryTest();

async function setUp(options: WsListenOptions = {}) {
  const server = echoNode();
  const { addr } = await server.network.listen(Transport.Ws, LOCAL, options);
  const origin = options.origins?.[0];
  const good = await GoodClient.connect(server, Transport.Ws, addr, origin ? { headers: { Origin: origin } } : {});
  return { server, addr, good };
}

/** The peer was never accepted: the listener saw exactly one connection, the good client's. */
function expectOnlyGoodAccepted(server: ReturnType<typeof echoNode>): void {
  expect(server.ofType("accepted")).toHaveLength(1);
}

describe("ws: requests that are not a WebSocket upgrade", () => {
  it("answers a plain HTTP request with 426 and hangs up", async () => {
    const { server, addr, good } = await setUp();
    const { socket, head } = await sendRequest(addr, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 426 /);
    const answered = performance.now();
    socket.resume();
    await socketClosed(socket);
    // At once, not after an HTTP keep-alive timeout: a scanner holds nothing.
    expect(performance.now() - answered).toBeLessThan(1_000);
    expectOnlyGoodAccepted(server);
    await good.assertServed(server);
  });

  const allowed = { Origin: "https://game.example" };
  it.each([
    ["no Sec-WebSocket-Key", upgradeRequest("/", allowed).replace(/Sec-WebSocket-Key: .*\r\n/, ""), /^HTTP\/1\.1 400 /],
    ["an unknown version", upgradeRequest("/", allowed).replace("Version: 13", "Version: 99"), /^HTTP\/1\.1 400 /],
    ["a foreign Origin", upgradeRequest("/", { Origin: "https://evil.example" }), /^HTTP\/1\.1 403 /],
  ])("refuses an upgrade with %s", async (_name, request, status) => {
    const { server, addr, good } = await setUp({ origins: ["https://game.example"] });
    const { socket, head } = await sendRequest(addr, request);
    expect(head).toMatch(status);
    socket.resume();
    await socketClosed(socket);
    expectOnlyGoodAccepted(server);
    await good.assertServed(server);
  });

  it.each([
    ["a garbled request line", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n"],
    ["headers over 16 KiB", `GET / HTTP/1.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`],
  ])("drops %s without a word", async (_name, request) => {
    const { server, addr, good } = await setUp();
    const socket = await rawSocket(addr);
    socket.resume();
    socket.write(request);
    await socketClosed(socket);
    expectOnlyGoodAccepted(server);
    await good.assertServed(server);
  });
});

describe("ws: invalid frames after the upgrade", () => {
  const frames: [string, Buffer, string][] = [
    ["an unmasked client frame", clientFrame(Opcode.Binary, utf8.encode("hi"), { masked: false }), "PROTOCOL_ERROR"],
    ["an unknown opcode (3)", clientFrame(0x3, utf8.encode("hi")), "PROTOCOL_ERROR"],
    ["invalid UTF-8 in a text frame", clientFrame(Opcode.Text, Uint8Array.from([0x68, 0xff, 0xfe])), "PROTOCOL_ERROR"],
    ["RSV bits without an extension", clientFrame(Opcode.Binary, utf8.encode("hi"), { rsv: 4 }), "PROTOCOL_ERROR"],
    ["a fragmented ping", clientFrame(Opcode.Ping, new Uint8Array(0), { fin: false }), "PROTOCOL_ERROR"],
    ["a continuation with nothing to continue", clientFrame(Opcode.Continuation, utf8.encode("x")), "PROTOCOL_ERROR"],
    ["a frame declaring 4 GiB", frameDeclaring(2n ** 32n), "MESSAGE_TOO_LARGE"],
    ["a frame declaring 2^63 bytes", frameDeclaring(2n ** 63n), "MESSAGE_TOO_LARGE"],
    ["fragments adding up past the limit", fragmentsPastLimit(), "MESSAGE_TOO_LARGE"],
  ];

  it.each(frames)("ends the connection that sends %s", async (_name, bytes, code) => {
    const { server, addr, good } = await setUp({ maxMessageSize: 1024 });
    const socket = await rawUpgrade(addr);
    const { endpoint } = (await server.waitForCount(isAccepted, 2))[1] as { endpoint: { key: string } };
    socket.write(bytes);
    const gone = await server.waitFor((e) => isDisconnected(e) && e.endpoint.key === endpoint.key);
    expect(gone.type === "disconnected" && gone.error?.code).toBe(code);
    await socketClosed(socket);
    await good.assertServed(server);
  });
});

function frameDeclaring(length: bigint, options: FrameOptions = {}): Buffer {
  return clientFrame(Opcode.Binary, new Uint8Array(16), { ...options, declaredLength: length });
}

/** Three 500-byte fragments of one message: each is within 1024 bytes, their sum is not. */
function fragmentsPastLimit(): Buffer {
  const part = new Uint8Array(500);
  return Buffer.concat([
    clientFrame(Opcode.Binary, part, { fin: false }),
    clientFrame(Opcode.Continuation, part, { fin: false }),
    clientFrame(Opcode.Continuation, part, { fin: true }),
  ]);
}

describe("ws: slow and silent peers", () => {
  it("closes a connection that does not finish its upgrade within handshakeTimeout, without accepted", async () => {
    const { server, addr, good } = await setUp({ handshakeTimeout: 300 });
    const silent = await rawSocket(addr);
    const trickling = await rawSocket(addr);
    // Slowloris: a header line every 50 ms, never the blank line that ends the request.
    trickling.write("GET / HTTP/1.1\r\nHost: x\r\n");
    let lines = 0;
    const drip = setInterval(() => trickling.write(`X-Drip-${++lines}: y\r\n`), 50);
    try {
      const started = performance.now();
      await Promise.all([socketClosed(silent), socketClosed(trickling)]);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(lines).toBeGreaterThan(2); // the drip was still going when the server gave up
    } finally {
      clearInterval(drip);
    }
    expectOnlyGoodAccepted(server);
    await good.assertServed(server); // connected before, and upgraded long ago: not affected
  });

  it("closes a silent socket after the default handshakeTimeout of 10 s", async () => {
    const { server, addr, good } = await setUp();
    const silent = await rawSocket(addr);
    const started = performance.now();
    await socketClosed(silent);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThan(9_000);
    expect(waited).toBeLessThan(15_000);
    expectOnlyGoodAccepted(server);
    await good.assertServed(server);
  }, 30_000);

  it("ends a connection that sends nothing for idleTimeout with ETIMEDOUT; pongs count as life", async () => {
    const { server, addr, good } = await setUp({ heartbeat: 50, idleTimeout: 300 });
    // A peer that never answers pings nor says anything: cut by the heartbeat or the idle deadline.
    const silent = new WebSocket(`ws://${addr}/`, { autoPong: false });
    silent.on("error", () => {});
    // A quiet peer that answers pings: alive. Wait for 12 pings (600 ms, twice idleTimeout).
    const quiet = new WebSocket(`ws://${addr}/`);
    quiet.on("error", () => {});
    try {
      let pings = 0;
      await new Promise<void>((resolve) => quiet.on("ping", () => ++pings === 12 && resolve()));
      const gone = server.ofType("disconnected");
      expect(gone).toHaveLength(1); // the silent one only
      expect(gone[0]?.error?.code).toBe("ETIMEDOUT");
      expect(quiet.readyState).toBe(WebSocket.OPEN);
      // The good client said nothing since its first echo either, and is still served.
      await good.assertServed(server);
    } finally {
      silent.terminate();
      quiet.terminate();
    }
  });

  it("ends an upgraded connection silent for idleTimeout with ETIMEDOUT when there is no heartbeat", async () => {
    const { server, addr, good } = await setUp({ idleTimeout: 200 });
    const silent = await rawUpgrade(addr);
    const { endpoint } = (await server.waitForCount(isAccepted, 2))[1] as { endpoint: { key: string } };
    // The good client keeps talking while the silent one waits out its deadline.
    const done = server.waitFor((e) => isDisconnected(e) && e.endpoint.key === endpoint.key);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    const started = performance.now();
    for (let round = 0; !finished && round < 100_000 && performance.now() - started < 10_000; round++) {
      await good.echo();
    }
    const gone = await done;
    expect(gone.type === "disconnected" && gone.error?.message).toMatch(/idleTimeout/);
    await socketClosed(silent);
    await good.assertServed(server);
  });

  it("rejects invalid timeout options with INVALID_ARGUMENT", async () => {
    const server = echoNode();
    for (const options of [{ handshakeTimeout: -1 }, { idleTimeout: Number.NaN }, { idleTimeout: "1" as never }]) {
      await expect(server.network.listen(Transport.Ws, LOCAL, options)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
  });
});
