/**
 * The best raw Node code we know how to write by hand, per transport: the baseline that counts
 * (a user who profiles compares the library with this, not with a `write` per message).
 * - tcp, framed-tcp: every small message of a turn is copied (framed) into one staging buffer,
 *   written once at the end of the turn; a large one is written as it is, prefix and payload as two
 *   writes of a corked socket (one `writev`), without a copy.
 * - ws: the `ws` package with its socket corked for the turn (one write per turn).
 * - udp: `dgram`, as the naive baseline (a datagram is a syscall whatever one does), with the same
 *   sender window as the library; its receive and send buffers as large as the library's.
 * Receiving is the naive baseline's: a view of the chunk per frame is already the best there is.
 */
import net from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { type BenchServer, type BenchTransport, type Link, type Peer, UDP_BUFFER } from "./peer.js";
import { connectUdp, connectWs, listening, rawPeer, serveUdp, splitAddr } from "./raw.js";
import { deframer } from "./varint.js";

/** Messages up to this size are staged; larger ones are written as they are. */
const SMALL = 1024;
/** One staging buffer: written when full, or at the end of the turn. */
const STAGE_SIZE = 64 * 1024;

/** Stages a turn's small writes into one buffer, and writes it once per turn. */
class TurnWriter {
  private stage: Buffer = Buffer.allocUnsafe(STAGE_SIZE);
  private used = 0;
  private scheduled = false;
  /** Staging buffers the socket has written and given back. */
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly socket: net.Socket,
    private readonly framed: boolean,
  ) {}

  write(data: Uint8Array): void {
    if (!this.scheduled) {
      this.scheduled = true;
      this.socket.cork();
      process.nextTick(this.endTurn);
    }
    const length = data.length;
    if (length > SMALL) {
      this.flush();
      if (this.framed) this.socket.write(prefix(length));
      this.socket.write(data);
      return;
    }
    if (this.used + length + 2 > STAGE_SIZE) this.flush();
    const stage = this.stage;
    let at = this.used;
    if (this.framed) {
      if (length >= 0x80) {
        stage[at++] = (length & 0x7f) | 0x80;
        stage[at++] = length >>> 7;
      } else stage[at++] = length;
    }
    stage.set(data, at);
    this.used = at + length;
  }

  get pending(): number {
    return this.socket.writableLength + this.used;
  }

  private flush(): void {
    if (this.used === 0) return;
    const full = this.stage;
    this.socket.write(full.subarray(0, this.used), () => this.spare.push(full));
    this.stage = this.spare.pop() ?? Buffer.allocUnsafe(STAGE_SIZE);
    this.used = 0;
  }

  private readonly endTurn = (): void => {
    this.scheduled = false;
    this.flush();
    this.socket.uncork();
  };
}

function prefix(length: number): Buffer {
  const bytes: number[] = [];
  let n = length;
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** Corks a `ws` socket for the rest of the turn, once per turn. */
function corkPerTurn(ws: WebSocket): (data: Uint8Array) => void {
  const socket = (ws as unknown as { _socket: net.Socket })._socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (data) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    ws.send(data);
  };
}

export const bestPeer: Peer = {
  serve(transport, kind, onBytes) {
    if (transport === "udp") return serveUdp(kind === "echo", onBytes, UDP_BUFFER);
    if (kind === "sink") return rawPeer.serve(transport, kind, onBytes);
    return transport === "ws" ? serveWsEcho(onBytes) : serveNetEcho(transport === "framed-tcp", onBytes);
  },

  connect(transport, addr, onMessage) {
    if (transport === "udp") {
      const { host, port } = splitAddr(addr);
      return connectUdp(host, port, onMessage, UDP_BUFFER);
    }
    if (transport === "ws") return connectWs(`ws://${addr}/`, onMessage, corkPerTurn);
    return connectNet(transport, addr, onMessage);
  },
};

function serveNetEcho(framed: boolean, onBytes: (bytes: number) => void): Promise<BenchServer> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    const writer = new TurnWriter(socket, framed);
    const echoed = (message: Buffer) => {
      onBytes(message.length);
      writer.write(message);
    };
    socket.on("data", framed ? deframer(echoed) : echoed);
  });
  return listening(server);
}

function connectNet(transport: BenchTransport, addr: string, onMessage: (data: Uint8Array) => void): Promise<Link> {
  const framed = transport === "framed-tcp";
  const socket = net.connect({ ...splitAddr(addr), noDelay: true });
  socket.on("data", framed ? deframer(onMessage) : onMessage);
  const writer = new TurnWriter(socket, framed);
  const link: Link = {
    send: (data) => writer.write(data),
    pending: () => writer.pending,
    close: () => socket.destroy(),
  };
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => resolve(link));
  });
}

function serveWsEcho(onBytes: (bytes: number) => void): Promise<BenchServer> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false }, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ addr: `127.0.0.1:${port}`, close: () => server.close() });
    });
    server.on("connection", (ws) => {
      const send = corkPerTurn(ws);
      ws.on("message", (data: Buffer) => {
        onBytes(data.length);
        send(data);
      });
    });
  });
}
