/**
 * `npm run bench`: the library against the best hand-written raw Node code (the headline ratio), the
 * naive raw code (a write per message) and socket.io over ws, every transport, throughput and
 * latency; then the browser client against a native WebSocket.
 * The implementations alternate in every round (the order rotates each round), and the table shows
 * medians over rounds; a ratio is the median of the per-round ratios, each from neighbouring runs.
 *
 * Options: --quick (3 short rounds), --rounds N, --only tcp,ws (transports), --tests throughput,latency,
 * --no-browser, --no-node,
 * --verbose (every sample on stderr).
 */
import os from "node:os";
import { runBrowserBench } from "./browser/run-browser.js";
import { pinning } from "./children.js";
import type { Impl } from "./jobs.js";
import { type Latency, latency, type Timing, throughput } from "./measure.js";
import type { BenchTransport } from "./peers/peer.js";
import { median } from "./stats.js";
import { formatLatency, formatRate, ratio, Table } from "./table.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const verbose = args.includes("--verbose");
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const rounds = Number(option("--rounds") ?? (quick ? 3 : 5));
const timing: Timing = quick ? { warmupMs: 150, durationMs: 400 } : { warmupMs: 250, durationMs: 1000 };
const transports = (option("--only")?.split(",") ?? ["tcp", "framed-tcp", "udp", "ws"]) as BenchTransport[];
const tests = option("--tests")?.split(",") ?? ["throughput", "latency"];

/** The largest udp payload we measure: under 65507 (IPv4), a round figure. */
const UDP_LARGE = 60_000;

interface Scenario {
  transport: BenchTransport;
  test: "throughput" | "latency";
  size: number;
  impls: Impl[];
}

function scenarios(): Scenario[] {
  const list: Scenario[] = [];
  for (const transport of transports) {
    const impls: Impl[] = transport === "ws" ? ["lib", "best", "raw", "socket.io"] : ["lib", "best", "raw"];
    if (tests.includes("throughput")) {
      for (const size of [64, transport === "udp" ? UDP_LARGE : 64 * 1024]) {
        list.push({ transport, test: "throughput", size, impls });
      }
    }
    if (tests.includes("latency")) list.push({ transport, test: "latency", size: 1, impls });
  }
  return list;
}

/** Messages per turn: about 16 KiB of small messages, or eight large ones. */
const burstFor = (size: number) => (size <= 1024 ? 256 : 8);

interface Rate {
  rate: number;
  mbs: number;
  delivered: number;
  serverCpu: number;
  clientCpu: number;
}
type Sample = Rate | Latency;

/**
 * A starved server (another process had its core) may read everything within its warm-up, leaving
 * nothing to time: that run is repeated, up to twice.
 */
async function throughputRetried(impl: Impl, transport: BenchTransport, size: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await throughput(impl, transport, size, burstFor(size), timing);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("too few messages")) throw error;
      process.stderr.write(`  ${impl} ${transport} ${size} B: ${String(error)}; again\n`);
    }
  }
}

async function measureOnce(scenario: Scenario, impl: Impl): Promise<Sample> {
  const { transport, size } = scenario;
  // The library has more code for the JIT to optimise: round trips get a longer warm-up.
  if (scenario.test === "latency") return latency(impl, transport, { ...timing, warmupMs: timing.warmupMs * 4 });
  const t = await throughputRetried(impl, transport, size);
  return {
    rate: t.messagesPerSecond,
    mbs: t.megabytesPerSecond,
    delivered: t.delivered,
    serverCpu: t.serverCpu,
    clientCpu: t.clientCpu,
  };
}

async function runNode(table: Table): Promise<void> {
  const list = scenarios();
  const results = list.map(() => new Map<Impl, Sample[]>());
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`round ${round + 1}/${rounds} (load ${os.loadavg()[0]?.toFixed(2)})\n`);
    for (const [index, scenario] of list.entries()) {
      // Rotate the order every round, so no implementation always runs first.
      const order = scenario.impls.map((_, i) => scenario.impls[(i + round) % scenario.impls.length] as Impl);
      for (const impl of order) {
        const sample = await measureOnce(scenario, impl);
        if (verbose)
          process.stderr.write(
            `  ${scenario.transport} ${scenario.test} ${scenario.size} B ${impl}: ${JSON.stringify(sample)}\n`,
          );
        const samples = results[index]?.get(impl) ?? [];
        samples.push(sample);
        results[index]?.set(impl, samples);
      }
    }
  }
  for (const [index, scenario] of list.entries()) addRows(table, scenario, results[index] as Map<Impl, Sample[]>);
}

function addRows(table: Table, scenario: Scenario, samples: Map<Impl, Sample[]>): void {
  const of = (impl: Impl) => samples.get(impl) ?? [];
  const pick = (impl: Impl, read: (s: Sample) => number) => of(impl).map(read);
  const paired = (impl: Impl, read: (s: Sample) => number) =>
    median(of("lib").map((s, i) => read(s) / read(of(impl)[i] as Sample)));
  const row = (test: string, read: (s: Sample) => number, format: (values: number[], impl: Impl) => string) => {
    table.add({
      transport: scenario.transport,
      test,
      lib: format(pick("lib", read), "lib"),
      best: format(pick("best", read), "best"),
      libBest: ratio(paired("best", read)),
      raw: format(pick("raw", read), "raw"),
      libRaw: ratio(paired("raw", read)),
      socketIo: samples.has("socket.io") ? format(pick("socket.io", read), "socket.io") : "",
      libSocketIo: samples.has("socket.io") ? ratio(paired("socket.io", read)) : "",
    });
  };
  // The receiver's CPU time per message is steadier than a rate on a shared machine; lower is better.
  // (Not the sender's: it polls its backlog while waiting, so its CPU time follows the wall clock.)
  const cpu = (values: number[]) => `${median(values).toFixed(2)} µs`;
  if (scenario.test === "latency") {
    row(
      "1 B round trip, median",
      (s) => (s as { medianUs: number }).medianUs,
      (v) => formatLatency(median(v)),
    );
    row(
      "1 B round trip, p99",
      (s) => (s as { p99Us: number }).p99Us,
      (v) => formatLatency(median(v)),
    );
    row("1 B round trip, server CPU per message", (s) => (s as Latency).serverCpu, cpu);
    return;
  }
  row(
    `${scenario.size} B messages`,
    (s) => (s as Rate).rate,
    (values, impl) => {
      const all = of(impl) as Rate[];
      const lost = 1 - median(all.map((s) => s.delivered));
      return formatRate(median(values), median(all.map((s) => s.mbs)), scenario.transport === "udp" ? lost : undefined);
    },
  );
  row(`${scenario.size} B, receiver CPU per message`, (s) => (s as Rate).serverCpu, cpu);
}

const started = new Date();
const loadBefore = os.loadavg();
const table = new Table();
if (!args.includes("--no-node")) await runNode(table);
const browser = args.includes("--no-browser") ? undefined : await runBrowserBench(rounds, quick);
const loadAfter = os.loadavg();

console.log(`\n## message-io benchmarks, ${started.toISOString()}\n`);
console.log(
  `Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${pinning ? "server on CPU 0 and client on CPU 1" : "processes not pinned"}, ${rounds} rounds of ${timing.durationMs} ms` +
    ` after a ${timing.warmupMs} ms warm-up (round trips: ${timing.warmupMs * 4} ms); load average (1 min) ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after.\n`,
);
if (table.size > 0) console.log(table.render());
if (browser !== undefined) console.log(`\n${browser}`);
