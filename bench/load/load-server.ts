/**
 * The server side of `npm run load`: one process holding every connection, echoing each message,
 * measuring its event-loop delay, and its memory after a full garbage collection (run with
 * --expose-gc). The library's server and the raw ones it is compared with echo alike.
 */
import net from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WebSocketServer } from "ws";
import { split } from "../../platform/node/index.js";
import { deframer, frame } from "../peers/varint.js";
import type { Memory, ServerJob, ServerMessage } from "./protocol.js";

const job = JSON.parse(process.argv[2] ?? "{}") as ServerJob;
let connections = 0;
let messages = 0;

function tell(message: ServerMessage): void {
  process.send?.(message, () => {});
}

async function measureMemory(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the load server with --expose-gc");
  // Twice, with a turn between, so objects freed by finalizers are gone too.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

async function serveLibrary(): Promise<string> {
  const { handler, listener } = split();
  const network = handler.network;
  const { addr } = await network.listen(job.transport, "127.0.0.1:0");
  void listener.forEach((event) => {
    if (event.type === "message") {
      messages += 1;
      network.send(event.endpoint, event.data);
    } else if (event.type === "accepted") connections += 1;
    else if (event.type === "disconnected") connections -= 1;
  });
  return addr;
}

function serveRawFramed(): Promise<string> {
  const server = net.createServer((socket) => {
    connections += 1;
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.on("close", () => (connections -= 1));
    socket.on(
      "data",
      deframer((message) => {
        messages += 1;
        socket.write(frame(message));
      }),
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(addressOf(server.address()))));
}

function serveRawWs(): Promise<string> {
  return new Promise((resolve) => {
    const server: WebSocketServer = new WebSocketServer(
      { host: "127.0.0.1", port: 0, perMessageDeflate: false },
      (): void => resolve(addressOf(server.address())),
    );
    server.on("connection", (ws) => {
      connections += 1;
      ws.on("error", () => {});
      ws.on("close", () => (connections -= 1));
      ws.on("message", (data: Buffer) => {
        messages += 1;
        ws.send(data);
      });
    });
  });
}

function addressOf(address: string | net.AddressInfo | null): string {
  const { port } = address as net.AddressInfo;
  return `127.0.0.1:${port}`;
}

const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const addr = await (job.impl === "lib" ? serveLibrary() : job.transport === "ws" ? serveRawWs() : serveRawFramed());
process.on("message", async (message) => {
  if (message === "delay-start") {
    delay.reset();
    delay.enable();
  } else if (message === "delay") {
    delay.disable();
    // The histogram records whole timer intervals: the delay is what exceeds the resolution.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    tell({ type: "delay", p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) });
  } else if (message === "measure") {
    tell({ type: "memory", memory: await measureMemory(), connections, messages });
  } else if (message === "stop") process.exit(0);
});
process.on("disconnect", () => process.exit(0));
tell({ type: "ready", addr, idle: await measureMemory() });
