/**
 * Bad options are refused in one place, before any socket exists, with `INVALID_ARGUMENT`: once a
 * tcp `connect` with `timeout: -5` threw Node's `ERR_OUT_OF_RANGE` after opening its socket, and
 * three such calls left three live connections on the server.
 */
import net from "node:net";
import { ErrorCode, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { isConnected, recordedNode, stopAll } from "../support/recorder.js";

afterEach(stopAll);

/** A plain TCP server that counts the connections it was offered. */
async function countingServer(): Promise<{ addr: string; accepted: () => number; next: Promise<void>; close(): void }> {
  const sockets: net.Socket[] = [];
  let arrived!: () => void;
  const next = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = net.createServer((socket) => {
    sockets.push(socket);
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    addr: `127.0.0.1:${port}`,
    accepted: () => sockets.length,
    next,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe.each([Transport.Tcp, Transport.FramedTcp])("%s connect", (transport) => {
  it("refuses timeout: -5 with INVALID_ARGUMENT and opens no connection", async () => {
    const server = await countingServer();
    try {
      const client = recordedNode();
      for (let i = 0; i < 3; i++) {
        expect(() => client.network.connect(transport, server.addr, { timeout: -5 })).toThrow(
          expect.objectContaining({ name: "NetError", code: ErrorCode.InvalidArgument }),
        );
      }
      await expect(client.network.connectAsync(transport, server.addr, { timeout: -5 })).rejects.toMatchObject({
        code: ErrorCode.InvalidArgument,
      });
      // A good connect after them: the server's first connection is that one, and the only one.
      client.network.connect(transport, server.addr, { timeout: 5_000 });
      expect((await client.waitFor(isConnected)).ok).toBe(true);
      await server.next;
      expect(server.accepted()).toBe(1);
      expect(client.ofType("connected")).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});

/** [transport, option, bad value]: each is refused by connect with INVALID_ARGUMENT, naming the option. */
const badConnects: [string, string, unknown][] = [
  [Transport.Tcp, "timeout", Number.NaN],
  [Transport.Tcp, "idleTimeout", -1],
  [Transport.FramedTcp, "frameTimeout", "10"],
  [Transport.Tcp, "keepAlive", true],
  [Transport.Tcp, "noDelay", "yes"],
  [Transport.Tcp, "sourceAddress", 127],
  [Transport.Tcp, "maxPendingBytes", -1],
  [Transport.Udp, "broadcast", 1],
  [Transport.Ws, "timeout", Number.POSITIVE_INFINITY],
  [Transport.Ws, "protocols", [1]],
  [Transport.Ws, "headers", { a: 1 }],
  [Transport.Ws, "maxMessageSize", Number.NaN],
];

/** The same for listen. */
const badListens: [string, string, unknown][] = [
  [Transport.Tcp, "handshakeTimeout", -1],
  [Transport.FramedTcp, "backlog", 1.5],
  [Transport.Tcp, "maxConnections", -2],
  [Transport.Udp, "multicastLoopback", "no"],
  [Transport.Ws, "heartbeat", 0],
  [Transport.Ws, "server", {}],
  [Transport.Ws, "origins", "http://a"],
  [Transport.Ws, "idleTimeout", -3],
];

describe("every option is checked before anything opens", () => {
  it.each(badConnects)("%s connect %s: %j", (transport, option, value) => {
    const client = recordedNode();
    const remote = transport === Transport.Ws ? "ws://127.0.0.1:9/" : "127.0.0.1:9";
    expect(() => client.network.connect(transport, remote, { [option]: value })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringContaining(option) }),
    );
  });

  it.each(badListens)("%s listen %s: %j", async (transport, option, value) => {
    const server = recordedNode();
    await expect(server.network.listen(transport, "127.0.0.1:0", { [option]: value })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringContaining(option),
    });
  });

  it("options must be an object", () => {
    const client = recordedNode();
    expect(() => client.network.connect(Transport.Tcp, "127.0.0.1:9", 5 as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});
