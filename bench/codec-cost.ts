/**
 * What a `msgpack` node costs per message, next to encoding by hand with the same msgpackr `Packr`
 * and sending bytes, and next to sending bytes already encoded. One process, a framed-tcp
 * connection on loopback: the client sends a game-like message in bursts for `--ms` milliseconds,
 * the server decodes it (or not) and counts. Variants alternate round by round; the figure is the
 * median over rounds of the process's CPU time per message (both sides), the steadiest measure on
 * a shared machine.
 *
 *   tsc -p bench/tsconfig.json && node dist/bench-run/bench/codec-cost.js [--rounds 7] [--ms 1000]
 *   node dist/bench-run/bench/codec-cost.js --lib /path/to/platform/node/index.js --only bytes
 *
 * `--lib` measures another build of the library. `--compare <path>` adds the `bytes` variant on
 * another build, alternating with this one in the same process: the byte-mode cost of a change
 * (statistics: against a build from before them).
 */
import { Packr } from "msgpackr";
import type * as Library from "../platform/node/index.js";

type Lib = typeof Library;
type Move = { t: "move"; id: number; x: number; y: number; seq: number };

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? (args[at + 1] as string) : fallback;
};
const ROUNDS = Number(option("rounds", "7"));
const MS = Number(option("ms", "1000"));
const BURST = 256;
const MAX_BACKLOG = 1 << 20;

/** The same plain-MessagePack options as `msgpack()`, for the by-hand variant. */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, encodeUndefinedAsNil: true, moreTypes: false });
const message = (seq: number): Move => ({ t: "move", id: 7, x: 1.5 + seq, y: 2.25, seq });
const preEncoded = packr.pack(message(0));

interface Variant {
  readonly name: string;
  /** Starts a server and a client; resolves with a function that sends one message. */
  run(lib: Lib, onMessage: () => void): Promise<{ send(seq: number): void; pending(): number; stop(): void }>;
}

async function connectPair(lib: Lib, codec: boolean, onEvent: (event: { message: unknown; data: Uint8Array }) => void) {
  const options = codec ? { codec: lib.msgpack<Move>() } : {};
  const server = lib.split(options as never);
  const client = lib.split(options as never);
  const { addr } = await server.handler.network.listen(lib.Transport.FramedTcp, "127.0.0.1:0");
  void server.listener.forEach((event) => {
    if (event.type === "message") onEvent(event as { message: unknown; data: Uint8Array });
  });
  const endpoint = await client.handler.network.connectAsync(lib.Transport.FramedTcp, addr);
  const network = client.handler.network as Library.NetworkController<unknown>;
  return {
    network,
    endpoint,
    pending: () => network.pendingBytes(endpoint),
    stop: () => {
      client.handler.stop();
      server.handler.stop();
    },
  };
}

const variants: Variant[] = [
  {
    name: "bytes (pre-encoded)",
    async run(lib, onMessage) {
      const pair = await connectPair(lib, false, (event) => {
        if (event.data.length > 0) onMessage();
      });
      return { ...pair, send: () => void pair.network.send(pair.endpoint, preEncoded) };
    },
  },
  {
    name: "by hand (Packr + bytes)",
    async run(lib, onMessage) {
      const pair = await connectPair(lib, false, (event) => {
        if ((packr.unpack(event.data) as Move).seq >= 0) onMessage();
      });
      return { ...pair, send: (seq) => void pair.network.send(pair.endpoint, packr.pack(message(seq))) };
    },
  },
  {
    name: "msgpack() node",
    async run(lib, onMessage) {
      const pair = await connectPair(lib, true, (event) => {
        if ((event.message as Move).seq >= 0) onMessage();
      });
      return { ...pair, send: (seq) => void pair.network.send(pair.endpoint, message(seq)) };
    },
  },
];

/** One timed run: messages received and CPU µs spent in the window. */
async function measure(
  variant: Variant & { lib: Lib },
): Promise<{ messages: number; cpuPerMessageNs: number; rate: number }> {
  let received = 0;
  const running = await variant.run(variant.lib, () => {
    received += 1;
  });
  let seq = 0;
  let sending = true;
  const pump = () => {
    if (!sending) return;
    if (running.pending() < MAX_BACKLOG) for (let i = 0; i < BURST; i++) running.send(seq++);
    setImmediate(pump);
  };
  pump();
  await new Promise((resolve) => setTimeout(resolve, 250)); // warm-up
  const startCount = received;
  const startCpu = process.cpuUsage();
  const startTime = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MS));
  const cpu = process.cpuUsage(startCpu);
  const elapsed = performance.now() - startTime;
  const messages = received - startCount;
  sending = false;
  running.stop();
  return { messages, cpuPerMessageNs: ((cpu.user + cpu.system) * 1000) / messages, rate: (messages / elapsed) * 1000 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function main(): Promise<void> {
  const lib = (await import(option("lib", "../platform/node/index.js"))) as Lib;
  const only = option("only", "");
  const chosen: (Variant & { lib: Lib })[] = variants
    .filter((v) => only === "" || only.split(",").some((name) => v.name.startsWith(name)))
    .map((v) => ({ ...v, lib }));
  const compare = option("compare", "");
  if (compare !== "") {
    const other = (await import(compare)) as Lib;
    chosen.push({ ...(variants[0] as Variant), name: `bytes on ${compare}`, lib: other });
  }
  const results = new Map<string, { cpu: number[]; rate: number[] }>(
    chosen.map((v) => [v.name, { cpu: [], rate: [] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? chosen : [...chosen].reverse()) {
      const { cpuPerMessageNs, rate } = await measure(variant);
      results.get(variant.name)?.cpu.push(cpuPerMessageNs);
      results.get(variant.name)?.rate.push(rate);
    }
  }
  console.log(
    `framed-tcp, one process, ${preEncoded.length}-byte message, ${ROUNDS} rounds of ${MS} ms; Node ${process.version}`,
  );
  console.log("| variant | CPU per message (both sides), median | messages/s, median |");
  console.log("| --- | --- | --- |");
  for (const [name, { cpu, rate }] of results) {
    console.log(`| ${name} | ${(median(cpu) / 1000).toFixed(3)} µs | ${(median(rate) / 1000).toFixed(0)} k/s |`);
  }
}

await main();
