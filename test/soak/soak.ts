/**
 * `npm run soak`: minutes of mixed traffic and connection churn on every transport, in one
 * process (an echo server node and a client node). It prints memory (heapUsed, rss) and open
 * handles over time and exits non-zero unless, after the warm-up, they stay flat, and no message
 * was lost, duplicated, reordered or corrupted on the reliable transports.
 *
 *   SOAK_SECONDS=180 (default)   how long the traffic runs; the run then drains and stops by itself
 *   SOAK_SAMPLE_SECONDS=10       how often memory and handles are printed
 *
 * Run by hand (it is not part of `npm test`); `--expose-gc` (added by the npm script) makes the
 * heap samples comparable.
 */
import { type Endpoint, split, Transport } from "message-io";
import { ChurnRouter, churnOnce, hostileSocket, udpChurnOnce } from "./churn.js";
import { flatness, formatSample, type Sample, sample } from "./memory.js";
import { ByteStream, type CheckedStream, PacketStream } from "./streams.js";

const seconds = envNumber("SOAK_SECONDS", 180);
const sampleSeconds = envNumber("SOAK_SAMPLE_SECONDS", Math.min(10, Math.max(1, seconds / 20)));
const warmUpSeconds = Math.max(5, seconds * 0.2);
const LOCAL = "127.0.0.1:0";
const escaped: unknown[] = [];
process.on("uncaughtException", (error) => escaped.push(error));
process.on("unhandledRejection", (error) => escaped.push(error));

// --- the server: an echo on every transport, with the limits an internet server would set ---
const server = split();
const serverStats = { accepted: 0, disconnected: 0, codes: new Map<string, number>() };
const serverDone = server.listener.forEach((event) => {
  if (event.type === "message") server.handler.network.send(event.endpoint, event.data);
  else if (event.type === "accepted") serverStats.accepted += 1;
  else if (event.type === "disconnected") {
    serverStats.disconnected += 1;
    const code = event.error?.code ?? "clean";
    serverStats.codes.set(code, (serverStats.codes.get(code) ?? 0) + 1);
  }
});
const guarded = { maxConnections: 1000, handshakeTimeout: 5_000, idleTimeout: 30_000 };
const addrs = new Map<Transport, string>();
for (const [transport, options] of [
  [Transport.Tcp, guarded],
  [Transport.FramedTcp, { ...guarded, frameTimeout: 10_000, maxMessageSize: 1024 * 1024 }],
  [Transport.Udp, {}],
  [Transport.Ws, { maxConnections: 1000, heartbeat: 1_000, idleTimeout: 30_000, maxMessageSize: 1024 * 1024 }],
] as const) {
  addrs.set(transport, (await server.handler.network.listen(transport, LOCAL, options)).addr);
}
const remote = (transport: Transport) => {
  const addr = addrs.get(transport) as string;
  return transport === Transport.Ws ? `ws://${addr}/soak` : addr;
};

// --- the client: long-lived checked streams, plus churn ---
const client = split();
const network = client.handler.network;
const streams = new Map<string, CheckedStream>();
const transportOfStream = new Map<CheckedStream, Transport>();
const router = new ChurnRouter();
const clientDone = client.listener.forEach((event) => {
  if (event.type !== "message") return;
  if (router.handle(event.endpoint, event.data)) return;
  streams.get(event.endpoint.key)?.received(event.data);
});
const open = async (transport: Transport, make: (endpoint: Endpoint, i: number) => CheckedStream) => {
  for (let i = 0; i < 4; i++) {
    const stream = make(await network.connectAsync(transport, remote(transport)), i);
    streams.set(stream.endpoint.key, stream);
    transportOfStream.set(stream, transport);
    stream.pump();
  }
};
await open(Transport.Tcp, (endpoint, i) => new ByteStream(network, endpoint, 256 * 1024, i));
await open(Transport.FramedTcp, (endpoint) => new PacketStream(network, endpoint, 64));
await open(Transport.Ws, (endpoint) => new PacketStream(network, endpoint, 64));
await open(Transport.Udp, (endpoint) => new PacketStream(network, endpoint, 8, true));
// Over udp a lost datagram leaves the window short for good: refill it on a timer.
const udpRefill = setInterval(() => {
  for (const stream of streams.values()) if (isUdp(stream)) stream.pump();
}, 50);

const churnStats = { connections: 0, failures: [] as string[], udpAnswered: 0, udpAsked: 0, hostile: 0 };
const started = performance.now();
const deadline = started + seconds * 1000;
const samples: Sample[] = [];
console.log(`soak: ${seconds} s of traffic, samples every ${sampleSeconds} s, warm-up ${warmUpSeconds} s`);
console.log(`soak: listening on ${[...addrs].map(([t, a]) => `${t} ${a}`).join(", ")}`);

async function churnRound(): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const transport of [Transport.Tcp, Transport.FramedTcp, Transport.Ws]) {
    for (let i = 0; i < 5; i++) {
      jobs.push(
        churnOnce(network, router, transport, remote(transport), 3).then(
          () => {
            churnStats.connections += 1;
          },
          (error) => void churnStats.failures.push(`${transport}: ${String(error)}`),
        ),
      );
    }
    jobs.push(hostileSocket(addrs.get(transport) as string, churnStats.hostile % 2 === 0 ? "reset" : "garbage"));
    churnStats.hostile += 1;
  }
  churnStats.udpAsked += 1;
  const udpExchange = udpChurnOnce(network, router, remote(Transport.Udp)).then((answered) => {
    if (answered) churnStats.udpAnswered += 1;
  });
  jobs.push(udpExchange);
  await Promise.all(jobs);
}

let nextSample = started;
let rounds = 0;
while (performance.now() < deadline && rounds < 1_000_000) {
  await churnRound();
  rounds += 1;
  if (performance.now() >= nextSample) {
    samples.push(sample(started, totals()));
    console.log(formatSample(samples.at(-1) as Sample));
    nextSample += sampleSeconds * 1000;
  }
}

// --- drain: stop sending, let every echo come back (bounded), then stop both nodes ---
for (const stream of streams.values()) stream.closing = true;
clearInterval(udpRefill);
const drainUntil = performance.now() + 20_000;
while (![...streams.values()].every((s) => s.drained) && performance.now() < drainUntil) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
// Every short connection and hostile socket is gone from the server: only the long-lived ones remain.
const persistent = [...streams.values()].filter((s) => !isUdp(s)).length;
const settleUntil = performance.now() + 10_000;
while (totals().open !== persistent && performance.now() < settleUntil) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const drained = sample(started, totals());
console.log(`${formatSample(drained)}  (drained)`);
client.handler.stop();
server.handler.stop();
await Promise.all([clientDone, serverDone]);

// --- verdict ---
const problems: string[] = [];
for (const stream of streams.values()) {
  const name = `${transportOfStream.get(stream)} ${stream.endpoint.key}`;
  if (stream.stats.errors.length > 0) problems.push(`${name}: ${stream.stats.errors.slice(0, 3).join("; ")}`);
  if (!stream.drained) problems.push(`${name}: not every message came back`);
}
problems.push(...churnStats.failures.slice(0, 5).map((f) => `churn: ${f}`));
if (drained.open !== persistent) problems.push(`the server still holds ${drained.open} connections, not ${persistent}`);
const afterWarmUp = samples.filter((s) => s.seconds >= warmUpSeconds);
problems.push(...flatness(afterWarmUp));
for (const error of escaped) problems.push(`escaped to the process: ${String(error)}`);

const reliable = [...streams.values()].filter((s) => !isUdp(s));
const udp = [...streams.values()].filter(isUdp);
type Counter = "sent" | "echoed" | "sentBytes" | "echoedBytes";
const sum = (list: CheckedStream[], key: Counter) => list.reduce((n, s) => n + s.stats[key], 0);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
console.log(
  `soak: ${rounds} churn rounds, ${churnStats.connections} short connections (${churnStats.failures.length} failed), ` +
    `${churnStats.hostile} hostile sockets, udp churn answered ${churnStats.udpAnswered}/${churnStats.udpAsked}`,
);
console.log(
  `soak: reliable streams (tcp, framed-tcp, ws) sent ${mib(sum(reliable, "sentBytes"))} and got back ` +
    `${mib(sum(reliable, "echoedBytes"))} (${sum(reliable, "sent")} sends), every byte checked; ` +
    `udp ${sum(udp, "echoed")}/${sum(udp, "sent")} datagrams echoed`,
);
console.log(
  `soak: server accepted ${serverStats.accepted}, disconnected ${serverStats.disconnected} ` +
    `(${[...serverStats.codes].map(([code, n]) => `${code} ${n}`).join(", ")})`,
);
if (problems.length === 0) {
  console.log("soak: PASS");
} else {
  console.log(`soak: FAIL\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
}

function totals() {
  let sentBytes = 0;
  let echoedBytes = 0;
  for (const stream of streams.values()) {
    sentBytes += stream.stats.sentBytes;
    echoedBytes += stream.stats.echoedBytes;
  }
  return {
    sentBytes,
    echoedBytes,
    churned: churnStats.connections,
    open: serverStats.accepted - serverStats.disconnected,
  };
}

function isUdp(stream: CheckedStream): boolean {
  return transportOfStream.get(stream) === Transport.Udp;
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0, not "${raw}"`);
  return value;
}
