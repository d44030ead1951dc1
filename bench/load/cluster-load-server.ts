/**
 * One server process of `npm run load:cluster`: a ws listener for players and a cluster listener
 * on Redis. Every message a player sends goes to the group "world" (every player of every
 * process). The parent drives it over IPC: round trips and a burst to another node (the Redis cost
 * per cross-process message), and its event-loop delay and CPU while players play.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type Endpoint, split, Transport, transportOf } from "../../platform/node/index.js";

export type ServerCommand =
  | { cmd: "start"; redis: string; nodeId: string }
  | { cmd: "rtt"; peer: string; count: number }
  | { cmd: "burst"; peer: string; ms: number; bytes: number }
  | { cmd: "received" }
  | { cmd: "measure" }
  | { cmd: "report" };

export type ServerReply =
  | { reply: "started"; ws: string }
  | { reply: "rtt"; medianMs: number; p99Ms: number }
  | { reply: "burst"; sent: number; full: number }
  | { reply: "received"; count: number }
  | { reply: "measuring" }
  | { reply: "report"; p50Ms: number; p99Ms: number; cpuPercent: number; inputs: number };

const { handler, listener } = split();
const nodes = new Map<string, Endpoint>();
const PING = new Uint8Array([1]);
let fromNodes = 0;
let inputs = 0;
let pong: (() => void) | undefined;
const delay = monitorEventLoopDelay({ resolution: 5 });
let cpuStart = process.cpuUsage();
let wallStart = performance.now();

const reply = (message: ServerReply) => process.send?.(message);

void listener.forEach((event) => {
  if (event.type === "accepted") {
    if (transportOf(event.endpoint.id) === Transport.Cluster) nodes.set(event.endpoint.addr, event.endpoint);
    else handler.groups.join("world", event.endpoint);
    return;
  }
  if (event.type !== "message") return;
  if (nodes.get(event.endpoint.addr) === event.endpoint) {
    fromNodes += 1;
    if (event.data.length === 1 && event.data[0] === 1) handler.network.send(event.endpoint, new Uint8Array([2]));
    else if (event.data.length === 1 && event.data[0] === 2) pong?.();
    return;
  }
  inputs += 1;
  handler.groups.send("world", event.data);
});

async function peer(id: string): Promise<Endpoint> {
  for (let i = 0; i < 500 && !nodes.has(id); i++) await new Promise((r) => setTimeout(r, 10));
  const endpoint = nodes.get(id);
  if (endpoint === undefined) throw new Error(`node ${id} never appeared`);
  return endpoint;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

process.on("message", async (command: ServerCommand) => {
  switch (command.cmd) {
    case "start": {
      await handler.network.listen(Transport.Cluster, command.redis, { cluster: "load", nodeId: command.nodeId });
      const { addr } = await handler.network.listen(Transport.Ws, "127.0.0.1:0");
      reply({ reply: "started", ws: addr });
      break;
    }
    case "rtt": {
      const target = await peer(command.peer);
      const samples: number[] = [];
      for (let i = 0; i < command.count; i++) {
        const start = performance.now();
        await new Promise<void>((resolve) => {
          pong = resolve;
          handler.network.send(target, PING);
        });
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      reply({ reply: "rtt", medianMs: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99) });
      break;
    }
    case "burst": {
      const target = await peer(command.peer);
      const payload = new Uint8Array(command.bytes).fill(9);
      let sent = 0;
      let full = 0;
      const end = performance.now() + command.ms;
      while (performance.now() < end) {
        for (let i = 0; i < 256; i++) {
          if (handler.network.send(target, payload) === "sent") sent += 1;
          else full += 1;
        }
        await new Promise((r) => setImmediate(r));
      }
      reply({ reply: "burst", sent, full });
      break;
    }
    case "received":
      reply({ reply: "received", count: fromNodes });
      break;
    case "measure":
      delay.reset();
      delay.enable();
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
      inputs = 0;
      reply({ reply: "measuring" });
      break;
    case "report": {
      delay.disable();
      const cpu = process.cpuUsage(cpuStart);
      const wall = performance.now() - wallStart;
      reply({
        reply: "report",
        p50Ms: delay.percentile(50) / 1e6,
        p99Ms: delay.percentile(99) / 1e6,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
        inputs,
      });
      break;
    }
  }
});
