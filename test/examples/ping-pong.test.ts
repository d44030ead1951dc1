/**
 * The ping-pong example, both sides as child processes: per-client counts, several clients,
 * disconnections; and its bytes, checked against message-io's (WIRE.md) with raw sockets playing
 * the Rust side.
 */
import dgram from "node:dgram";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { killChildren, startExample } from "./children.js";

afterEach(killChildren);

const PING = "00000000";
const pong = (count: number) => `00000000${Buffer.from(new BigUint64Array([BigInt(count)]).buffer).toString("hex")}`;
const UNKNOWN_PONG = "01000000";

async function startServer(transport: string) {
  const server = startExample(`${transport} server`, "ping-pong/main.js", ["server", transport, "127.0.0.1:0"]);
  const [, addr] = await server.waitFor(/Server running at (127\.0\.0\.1:\d+) by /);
  return { server, addr: addr as string };
}

function startClient(name: string, transport: string, addr: string, count?: number) {
  const args = ["client", transport, addr, "--interval", "20"];
  return startExample(name, "ping-pong/main.js", count === undefined ? args : [...args, "--count", `${count}`]);
}

function pongCounts(output: string): number[] {
  return [...output.matchAll(/Pong from server: (\d+) times/g)].map((match) => Number(match[1]));
}

describe.each(["tcp", "ws"])("ping-pong over %s", (transport) => {
  it("counts each client's pings apart, and forgets a client that leaves", async () => {
    const { server, addr } = await startServer(transport);
    // message-io's ping-pong "tcp" is framed: one ping is one message.
    expect(server.output).toContain(transport === "tcp" ? "by framed-tcp" : "by ws");
    const a = startClient("client A", transport, addr);
    const b = startClient("client B", transport, addr);
    await server.waitFor(/\) connected \(total clients: 2\)/);
    await a.waitFor("Pong from server: 3 times");
    await b.waitFor("Pong from server: 3 times");

    // A leaves (Ctrl-C): the server forgets it, and B goes on counting from where it was.
    a.kill("SIGINT");
    expect((await a.waitForExit()).code).toBe(0);
    await server.waitFor(/\) disconnected \(total clients: 1\)/);
    const bSoFar = pongCounts(b.output).length;
    await b.waitFor(`Pong from server: ${bSoFar + 2} times`);
    b.kill("SIGINT");
    await server.waitFor(/\) disconnected \(total clients: 0\)/);

    // Each client saw its own count, from 1 and without a gap, whatever the other one sent.
    for (const client of [a, b]) {
      const counts = pongCounts(client.output);
      expect(counts).toEqual(counts.map((_, n) => n + 1));
    }
  });
});

describe("ping-pong over udp", () => {
  it("answers every ping with UnknownPong: udp has no clients to count", async () => {
    const { server, addr } = await startServer("udp");
    const client = startClient("udp client", "udp", addr, 3);
    expect((await client.waitForExit()).code).toBe(0);
    expect(client.output.match(/^Pong from server$/gm)).toHaveLength(3);
    await server.waitForCount(/^Ping from 127\.0\.0\.1:\d+$/m, 3);
  });
});

describe("ping-pong speaks message-io's bytes", () => {
  it("framed-tcp server: Ping 00000000 gets Pong(count) as u64 LE", async () => {
    const { addr } = await startServer("framed-tcp");
    const [host, port] = addr.split(":") as [string, string];
    const socket = net.connect(Number(port), host);
    const frames = framesOf(socket);
    // A frame is varint(length) ++ payload: length 4 is the single byte 04.
    socket.write(Buffer.from(`04${PING}04${PING}`, "hex"));
    expect(await frames.next(2)).toEqual([pong(1), pong(2)]);
    socket.destroy();
  });

  it("ws server: each Ping binary message gets one Pong", async () => {
    const { addr } = await startServer("ws");
    const socket = new WebSocket(`ws://${addr}/message-io-default`);
    const received: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      socket.on("error", reject);
      socket.on("message", (data: Buffer) => {
        if (received.push(data.toString("hex")) === 2) resolve();
      });
    });
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(Buffer.from(PING, "hex"));
    socket.send(Buffer.from(PING, "hex"));
    await got;
    expect(received).toEqual([pong(1), pong(2)]);
    socket.close();
  });

  it("udp server: a Ping datagram gets UnknownPong 01000000", async () => {
    const { addr } = await startServer("udp");
    const [host, port] = addr.split(":") as [string, string];
    const socket = dgram.createSocket("udp4");
    const answer = new Promise<Buffer>((resolve) => socket.once("message", resolve));
    socket.send(Buffer.from(PING, "hex"), Number(port), host);
    expect((await answer).toString("hex")).toBe(UNKNOWN_PONG);
    socket.close();
  });

  it("client: sends 04 00000000 frames and prints the count of a Rust-style Pong", async () => {
    // A stand-in for the Rust server: raw framed-tcp, answering Pong(41), Pong(42), then UnknownPong.
    const answers = [pong(41), pong(42), UNKNOWN_PONG];
    const pings: string[] = [];
    const server = net.createServer((socket) => {
      const frames = framesOf(socket);
      void (async () => {
        for (const answer of answers) {
          pings.push(...(await frames.next(1)));
          socket.write(Buffer.concat([Buffer.from([answer.length / 2]), Buffer.from(answer, "hex")]));
        }
      })().catch(() => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const client = startClient("client", "tcp", `127.0.0.1:${port}`, 3);
      expect((await client.waitForExit()).code).toBe(0);
      expect(pings).toEqual([PING, PING, PING]);
      expect(client.output).toContain("Pong from server: 41 times\nPong from server: 42 times\nPong from server\n");
    } finally {
      server.close();
    }
  });
});

/** Reads varint-length-prefixed frames (payloads under 128 bytes: a one-byte prefix) as hex. */
function framesOf(socket: net.Socket) {
  let buffered = Buffer.alloc(0);
  const frames: string[] = [];
  let wake: (() => void) | undefined;
  socket.on("data", (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length > 0 && buffered.length >= 1 + (buffered[0] as number)) {
      const length = buffered[0] as number;
      frames.push(buffered.subarray(1, 1 + length).toString("hex"));
      buffered = buffered.subarray(1 + length);
    }
    wake?.();
  });
  return {
    /** The next `count` frames, within 10 s. */
    next(count: number): Promise<string[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${frames.length}/${count} frames within 10 s`)), 10_000);
        wake = () => {
          if (frames.length < count) return;
          clearTimeout(timer);
          wake = undefined;
          resolve(frames.splice(0, count));
        };
        wake();
      });
    },
  };
}
