/**
 * The raw Node baseline a user would write without the library: `net` (with hand-written varint
 * framing for framed-tcp), `dgram`, and the `ws` package. Sockets get `noDelay`, as the library's,
 * so the comparison is of the code paths, not of Nagle's algorithm.
 */
import dgram from "node:dgram";
import net from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { ACK, ACK_REQUEST, type BenchServer, type BenchTransport, type Link, type Peer } from "./peer.js";
import { deframer, frame } from "./varint.js";

export const rawPeer: Peer = {
  serve(transport, kind, onBytes) {
    if (transport === "udp") return serveUdp(kind === "echo", onBytes);
    if (transport === "ws") return serveWs(kind === "echo", onBytes);
    return serveNet(transport === "framed-tcp", kind === "echo", onBytes);
  },

  connect(transport, addr, onMessage) {
    const { host, port } = splitAddr(addr);
    if (transport === "udp") return connectUdp(host, port, onMessage);
    if (transport === "ws") return connectWs(`ws://${addr}/`, onMessage);
    return connectNet(transport, host, port, onMessage);
  },
};

function serveNet(framed: boolean, echo: boolean, onBytes: (bytes: number) => void): Promise<BenchServer> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    const echoed = (message: Buffer) => {
      onBytes(message.length);
      socket.write(framed ? frame(message) : message);
    };
    const received = echo ? echoed : (message: Buffer) => onBytes(message.length);
    socket.on("data", framed ? deframer(received) : received);
  });
  return listening(server);
}

function connectNet(
  transport: BenchTransport,
  host: string,
  port: number,
  onMessage: (data: Uint8Array) => void,
): Promise<Link> {
  const framed = transport === "framed-tcp";
  const socket = net.connect({ host, port, noDelay: true });
  socket.on("data", framed ? deframer(onMessage) : onMessage);
  const link: Link = {
    send: framed ? (data) => void socket.write(frame(data)) : (data) => void socket.write(data),
    pending: () => socket.writableLength,
    close: () => socket.destroy(),
  };
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => resolve(link));
  });
}

/** A udp server; `buffer` sets its receive and send buffers (the naive baseline keeps the defaults). */
export function serveUdp(echo: boolean, onBytes: (bytes: number) => void, buffer?: number): Promise<BenchServer> {
  const socket = dgram.createSocket({ type: "udp4", recvBufferSize: buffer, sendBufferSize: buffer });
  socket.on(
    "message",
    echo
      ? (data, peer) => {
          onBytes(data.length);
          socket.send(data, peer.port, peer.address);
        }
      : (data, peer) => {
          onBytes(data.length);
          if (data[0] === ACK_REQUEST) socket.send(ACK, peer.port, peer.address);
        },
  );
  return new Promise((resolve) => {
    socket.bind(0, "127.0.0.1", () => {
      resolve({ addr: `127.0.0.1:${socket.address().port}`, close: () => socket.close() });
    });
  });
}

export function connectUdp(
  host: string,
  port: number,
  onMessage: (data: Uint8Array) => void,
  buffer?: number,
): Promise<Link> {
  const socket = dgram.createSocket({ type: "udp4", recvBufferSize: buffer, sendBufferSize: buffer });
  socket.on("message", onMessage);
  return new Promise((resolve) => {
    socket.connect(port, host, () => {
      resolve({
        send: (data) => socket.send(data),
        pending: () => socket.getSendQueueSize(),
        close: () => socket.close(),
      });
    });
  });
}

function serveWs(echo: boolean, onBytes: (bytes: number) => void): Promise<BenchServer> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false }, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ addr: `127.0.0.1:${port}`, close: () => server.close() });
    });
    server.on("connection", (ws) => {
      ws.on("message", (data: Buffer) => {
        onBytes(data.length);
        if (echo) ws.send(data);
      });
    });
  });
}

/** A `ws` client; `sender` makes its send function (default: `ws.send` per message). */
export function connectWs(
  url: string,
  onMessage: (data: Uint8Array) => void,
  sender: (ws: WebSocket) => (data: Uint8Array) => void = (ws) => (data) => ws.send(data),
): Promise<Link> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on("message", onMessage);
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.once("open", () => {
      resolve({
        send: sender(ws),
        pending: () => ws.bufferedAmount,
        close: () => ws.terminate(),
      });
    });
  });
}

export function listening(server: net.Server): Promise<BenchServer> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ addr: `127.0.0.1:${port}`, close: () => server.close() });
    });
  });
}

export function splitAddr(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(":");
  return { host: addr.slice(0, at), port: Number(addr.slice(at + 1)) };
}
