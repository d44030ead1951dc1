/**
 * The client side of `npm run load`: opens every connection from one process (a few at a time,
 * from several loopback source addresses so the ephemeral ports suffice), makes each one exchange
 * messages with the server, then sends one message on every connection at once. Raw sockets, so
 * the same client loads every server alike; every echo is checked against what was sent.
 */
import net from "node:net";
import { WebSocket } from "ws";
import { deframer, frame } from "../peers/varint.js";
import { type ClientJob, type ClientMessage, MESSAGE_SIZE } from "./protocol.js";

const job = JSON.parse(process.argv[2] ?? "{}") as ClientJob;
const PHASE_LIMIT_MS = 120_000;

interface Link {
  send(data: Buffer): void;
}

interface Callbacks {
  open(): void;
  message(data: Uint8Array): void;
  fail(error: unknown): void;
}

function tell(message: ClientMessage): void {
  process.send?.(message, () => {});
}

const at = job.addr.lastIndexOf(":");
const host = job.addr.slice(0, at);
const port = Number(job.addr.slice(at + 1));

function connectFramed(source: string, on: Callbacks): Link {
  const socket = net.connect({ host, port, localAddress: source, noDelay: true });
  socket.on("connect", on.open);
  socket.on("data", deframer(on.message));
  socket.on("error", on.fail);
  socket.on("close", () => on.fail(new Error("closed")));
  return { send: (data) => void socket.write(frame(data)) };
}

function connectWs(source: string, on: Callbacks): Link {
  const ws = new WebSocket(`ws://${job.addr}/`, { localAddress: source, perMessageDeflate: false });
  ws.on("open", on.open);
  ws.on("message", on.message);
  ws.on("error", on.fail);
  ws.on("close", () => on.fail(new Error("closed")));
  return { send: (data) => ws.send(data) };
}

function payload(index: number, sequence: number): Buffer {
  const data = Buffer.alloc(MESSAGE_SIZE, 0x61);
  data.writeUInt32LE(index, 0);
  data.writeUInt32LE(sequence, 4);
  return data;
}

class Connection {
  link: Link | undefined;
  sequence = 0;
  sent: Buffer | undefined;
  opened = false;
  ended = false;

  send(index: number): void {
    this.sent = payload(index, this.sequence);
    this.link?.send(this.sent);
  }
}

const connections: Connection[] = [];
let opening = 0;
let started = 0;
let open = 0;
let failed = 0;
let finished = 0;
let echoes = 0;
let burstEchoes = 0;
let phase: "exchange" | "burst" = "exchange";
let firstError: string | undefined;
const connectStart = performance.now();
let burstStart = 0;
const connect = job.transport === "ws" ? connectWs : connectFramed;

function reportConnected(): void {
  clearTimeout(connectLimit);
  tell({ type: "connected", open, failed, echoes, ms: performance.now() - connectStart, firstError });
}
const connectLimit = setTimeout(reportConnected, PHASE_LIMIT_MS);

function settled(): void {
  if (phase === "exchange" && finished + failed === job.connections) reportConnected();
}

function start(index: number): void {
  const connection = new Connection();
  connections[index] = connection;
  opening += 1;
  started += 1;
  connection.link = connect(job.sources[index % job.sources.length] as string, {
    open: () => {
      opening -= 1;
      open += 1;
      connection.opened = true;
      connection.send(index);
      pump();
    },
    message: (data) => {
      echoes += 1;
      if (!connection.sent?.equals(data)) firstError ??= `connection ${index}: a wrong echo`;
      connection.sequence += 1;
      if (phase === "burst") {
        burstEchoes += 1;
        if (burstEchoes === open) tell({ type: "burst", echoes: burstEchoes, ms: performance.now() - burstStart });
      } else if (connection.sequence < job.exchanges) connection.send(index);
      else {
        finished += 1;
        settled();
      }
    },
    fail: (error) => {
      if (connection.ended) return;
      connection.ended = true;
      if (!connection.opened) opening -= 1;
      else open -= 1;
      failed += 1;
      firstError ??= `connection ${index}: ${String(error)}`;
      pump();
      settled();
    },
  });
}

function pump(): void {
  while (opening < job.concurrency && started < job.connections) start(started);
}

process.on("message", (message) => {
  if (message === "burst") {
    phase = "burst";
    burstStart = performance.now();
    connections.forEach((connection, index) => {
      if (connection.opened && !connection.ended) connection.send(index);
    });
    setTimeout(
      () => tell({ type: "burst", echoes: burstEchoes, ms: performance.now() - burstStart }),
      PHASE_LIMIT_MS,
    ).unref();
  } else if (message === "stop") process.exit(0);
});
process.on("disconnect", () => process.exit(0));
pump();
