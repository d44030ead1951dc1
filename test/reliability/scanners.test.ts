/**
 * What the internet does to a listener on day one: bursts of connections that close or reset at
 * once, connections that half-close, and random bytes. For every transport: nothing escapes to the
 * process, every accepted attacker gets exactly one `disconnected`, and a well-behaved client
 * connected before the attack is still served after it.
 */
import dgram from "node:dgram";
import { parseHostPort, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { isMessage } from "../support/recorder.js";
import { Prng } from "./prng.js";
import { attackersGone, echoNode, GoodClient, guardEveryTest, rawSocket, socketClosed } from "./support.js";

const LOCAL = "127.0.0.1:0";
const BURST = 150;
const connectionOriented = [Transport.Tcp, Transport.FramedTcp, Transport.Ws] as const;

guardEveryTest();

async function setUp(transport: Transport) {
  const server = echoNode();
  const { addr } = await server.network.listen(transport, LOCAL);
  const good = await GoodClient.connect(server, transport, addr);
  await good.echo();
  return { server, addr, good };
}

/** Runs `count` raw connections at once, each handled by `attack`, and waits until all are closed. */
async function burst(addr: string, count: number, attack: (socket: import("node:net").Socket, i: number) => void) {
  const sockets = await Promise.all(Array.from({ length: count }, () => rawSocket(addr)));
  sockets.forEach(attack);
  await Promise.all(sockets.map(socketClosed));
}

describe.each(connectionOriented)("%s listener under attack", (transport) => {
  it(`survives ${BURST} connections that close at once`, async () => {
    const { server, addr, good } = await setUp(transport);
    await burst(addr, BURST, (socket) => socket.destroy());
    const gone = await attackersGone(server, transport, addr, [good.serverSide]);
    // Before its upgrade a ws peer is no connection yet; a tcp one is, from the first packet.
    if (transport !== Transport.Ws) expect(gone.length).toBeGreaterThan(0);
    // A peer that closes cleanly has done nothing wrong: no error, or a reset seen as one.
    for (const event of gone) expect([undefined, "ECONNRESET"]).toContain(event.error?.code);
    await good.assertServed(server);
  });

  it(`survives ${BURST} connections reset at once (RST)`, async () => {
    const { server, addr, good } = await setUp(transport);
    await burst(addr, BURST, (socket) => socket.resetAndDestroy());
    const gone = await attackersGone(server, transport, addr, [good.serverSide]);
    for (const event of gone) expect([undefined, "ECONNRESET"]).toContain(event.error?.code);
    await good.assertServed(server);
  });

  it("survives half-open connections (the peer's FIN while it keeps reading)", async () => {
    const { server, addr, good } = await setUp(transport);
    await burst(addr, 20, (socket) => {
      socket.write(transport === Transport.Ws ? "GET / HTTP/1.1\r\n" : "\u0003ab");
      socket.end(); // half-close: the peer still reads, so only our side can end the connection
      socket.resume();
    });
    const gone = await attackersGone(server, transport, addr, [good.serverSide]);
    if (transport !== Transport.Ws) expect(gone).toHaveLength(20);
    await good.assertServed(server);
  });

  it("survives random bytes from 40 connections (seeded)", async () => {
    const { server, addr, good } = await setUp(transport);
    const rng = new Prng(0xbad);
    await burst(addr, 40, (socket, i) => {
      socket.resume(); // whatever an echo sends back must not block the attacker
      socket.end(rng.bytes(i === 0 ? 1 : rng.int(1, 4096)));
    });
    const gone = await attackersGone(server, transport, addr, [good.serverSide]);
    // Garbage the wire format can tell apart ends with a code that says so; tcp takes any byte.
    if (transport !== Transport.Ws) expect(gone).toHaveLength(40);
    const codes = new Set(gone.map((e) => e.error?.code));
    for (const code of codes) expect([undefined, "ECONNRESET", "PROTOCOL_ERROR", "MESSAGE_TOO_LARGE"]).toContain(code);
    await good.assertServed(server);
  });
});

describe("udp listener under attack", () => {
  it("delivers random datagrams as messages and keeps serving", async () => {
    const { server, addr, good } = await setUp(Transport.Udp);
    const { host, port } = parseHostPort(addr);
    const rng = new Prng(0xd6);
    const attacker = dgram.createSocket("udp4");
    attacker.on("error", () => {});
    await new Promise<void>((resolve) => attacker.bind(0, "127.0.0.1", resolve));
    const attackerAddr = `127.0.0.1:${attacker.address().port}`;
    try {
      const sizes = Array.from({ length: 200 }, () => rng.int(0, 1400));
      for (const size of sizes) attacker.send(rng.bytes(size), port, host);
      // Loopback may drop datagrams under a burst; the point is that the node takes what comes.
      await server.waitFor((e) => isMessage(e) && e.endpoint.addr === attackerAddr);
      await good.assertServed(server);
      expect(server.ofType("disconnected")).toEqual([]);
    } finally {
      attacker.close();
    }
  });
});
