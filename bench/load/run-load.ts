/**
 * `npm run load`: 1,000 to 19,000 concurrent connections against one server process, for the
 * library's framed-tcp and ws servers and the raw `net` and `ws` servers they are compared with.
 * Reports the server's memory per connection above its idle baseline (after a full GC), its
 * event-loop delay while connections open and exchange, and whether every message came back, at
 * every size, so the growth is visible.
 *
 * Options: --sizes 1000,5000 (default 1000,5000,10000,19000), --connections N (one size),
 * --rounds N (default 1), --quick (2000 connections).
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { Process } from "../children.js";
import { median } from "../stats.js";
import type {
  ClientJob,
  ClientMessage,
  LoadImpl,
  LoadTransport,
  Memory,
  ServerJob,
  ServerMessage,
} from "./protocol.js";

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const sizes = (
  option("--sizes") ??
  option("--connections") ??
  (args.includes("--quick") ? "2000" : "1000,5000,10000,19000")
)
  .split(",")
  .map(Number);
const rounds = Number(option("--rounds") ?? 1);
const EXCHANGES = 5;
const PER_SOURCE = 2500;

const SERVER = new URL("./load-server.js", import.meta.url);
const CLIENT = new URL("./load-client.js", import.meta.url);

interface Setup {
  impl: LoadImpl;
  transport: LoadTransport;
  label: string;
}

const SETUPS: Setup[] = [
  { impl: "raw", transport: "ws", label: "raw `ws` server" },
  { impl: "lib", transport: "ws", label: "library, ws" },
  { impl: "lib", transport: "framed-tcp", label: "library, framed-tcp" },
  { impl: "raw", transport: "framed-tcp", label: "raw `net` + varint" },
];

interface Outcome {
  held: number;
  delivered: boolean;
  rssPerConnection: number;
  heapPerConnection: number;
  delay: { p50: number; p99: number; max: number };
  connectMs: number;
  burstMs: number;
  note?: string;
}

/** The soft limit on open files of this process (Linux), which the children inherit. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    return line === undefined ? undefined : Number(line.split(/\s+/)[3]);
  } catch {
    return undefined;
  }
}

/** Loopback source addresses for one run, fresh for every run: sockets in TIME_WAIT keep their ports a minute. */
let sourceBlock = (process.pid % 200) + 1;
function sources(connections: number): string[] {
  const block = sourceBlock++ % 250;
  const list: string[] = [];
  for (let i = 0; i < Math.ceil(connections / PER_SOURCE); i++) list.push(`127.77.${block}.${i + 1}`);
  return list;
}

async function runOnce(setup: Setup, connections: number): Promise<Outcome> {
  const serverJob: ServerJob = { impl: setup.impl, transport: setup.transport };
  const server = new Process<ServerMessage>(`${setup.label} server`, SERVER, serverJob, {
    execArgv: ["--expose-gc"],
    cpu: 0,
  });
  let client: Process<ClientMessage> | undefined;
  try {
    const { addr, idle } = await server.next("ready");
    server.send("delay-start");
    const clientJob: ClientJob = {
      transport: setup.transport,
      addr,
      connections,
      exchanges: EXCHANGES,
      sources: sources(connections),
      concurrency: 256,
    };
    client = new Process<ClientMessage>("load client", CLIENT, clientJob, { cpu: 1 });
    const connected = await client.next("connected", 180_000);
    client.send("burst");
    const burst = await client.next("burst", 180_000);
    server.send("delay");
    const delay = await server.next("delay");
    server.send("measure");
    const { memory, connections: held, messages } = await server.next("memory");
    const per = (read: (m: Memory) => number) => (read(memory) - read(idle)) / held;
    const expected = connections * (EXCHANGES + 1);
    return {
      held,
      delivered: connected.failed === 0 && messages === expected && connected.echoes + burst.echoes === expected,
      rssPerConnection: per((m) => m.rss),
      heapPerConnection: per((m) => m.heapUsed + m.external),
      delay: { p50: delay.p50, p99: delay.p99, max: delay.max },
      connectMs: connected.ms,
      burstMs: burst.ms,
      note: connected.firstError,
    };
  } finally {
    await client?.stop(5000);
    await server.stop(5000);
  }
}

const limit = openFileLimit();
const largest = Math.max(...sizes);
if (limit !== undefined && limit < largest + 500) {
  console.error(
    `the open-file limit is ${limit}: ${largest} connections need more (npm run load raises it to the hard limit)`,
  );
}
const started = new Date();
const loadBefore = os.loadavg();
/** Outcomes by size, then by setup label. */
const outcomes = new Map<number, Map<string, Outcome[]>>();
for (const connections of sizes) {
  const bySetup = new Map<string, Outcome[]>();
  outcomes.set(connections, bySetup);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < SETUPS.length; i++) {
      const setup = SETUPS[(i + round) % SETUPS.length] as Setup;
      process.stderr.write(`${setup.label}: ${connections} connections (load ${os.loadavg()[0]?.toFixed(2)})\n`);
      const outcome = await runOnce(setup, connections);
      process.stderr.write(`  ${JSON.stringify(outcome)}\n`);
      bySetup.set(setup.label, [...(bySetup.get(setup.label) ?? []), outcome]);
    }
  }
}
const loadAfter = os.loadavg();

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`\n## message-io load test, ${started.toISOString()}\n`);
console.log(
  `${sizes.join(", ")} connections from one client process, each making ${EXCHANGES} round trips of ${32} B, then one ` +
    `message on every connection at once; ${rounds} round(s), medians. Node ${process.version}, ${os.cpus().length} cores, ` +
    `open-file limit ${limit ?? "unknown"}; load average (1 min) ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after. ` +
    "\"vs raw\": the library's figure over the raw server's of the same transport (ws: the `ws` package; framed-tcp: `net` + varint).\n",
);
console.log(
  "| connections | server | held | every message delivered | RSS per connection | heap + external per connection | RSS vs raw | heap + external vs raw | loop delay p50 / p99 / max | p99 vs raw | connect all | burst echoed |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [connections, bySetup] of outcomes) {
  const of = (setup: Setup) => bySetup.get(setup.label) ?? [];
  const m = (setup: Setup, read: (o: Outcome) => number) => median(of(setup).map(read));
  for (const setup of SETUPS) {
    const list = of(setup);
    const raw = SETUPS.find((s) => s.impl === "raw" && s.transport === setup.transport) as Setup;
    const versus = (read: (o: Outcome) => number) =>
      setup.impl === "raw" ? "1.00" : (m(setup, read) / m(raw, read)).toFixed(2);
    console.log(
      `| ${connections} | ${setup.label} | ${Math.min(...list.map((o) => o.held))} | ${list.every((o) => o.delivered) ? "yes" : `NO (${list.find((o) => o.note)?.note ?? "count mismatch"})`} | ` +
        `${kb(m(setup, (o) => o.rssPerConnection))} | ${kb(m(setup, (o) => o.heapPerConnection))} | ` +
        `${versus((o) => o.rssPerConnection)} | ${versus((o) => o.heapPerConnection)} | ` +
        `${m(setup, (o) => o.delay.p50).toFixed(1)} / ${m(setup, (o) => o.delay.p99).toFixed(1)} / ${m(setup, (o) => o.delay.max).toFixed(0)} ms | ` +
        `${versus((o) => o.delay.p99)} | ` +
        `${(m(setup, (o) => o.connectMs) / 1000).toFixed(1)} s | ${m(setup, (o) => o.burstMs).toFixed(0)} ms |`,
    );
  }
}
