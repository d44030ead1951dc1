/**
 * What a group send costs per member, against the floor: 1,000 ws connections, each message sent
 * (a) with `groups.send` to a group of all of them, (b) with `network.send` to each, and (c) with
 * plain `ws` `send` on 1,000 sockets of a plain `ws` server. The clients live in a child process,
 * so only the sending side runs here. A round is timed from the first send until the writes have
 * been handed to the kernel (the library corks each socket until the end of the turn).
 *
 *   npm run bench:groups [-- members rounds bytes]
 */
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket as WsSocket } from "ws";
import { type Endpoint, split, Transport } from "../../platform/node/index.js";

const [members = 1000, rounds = 300, bytes = 64] = process.argv.slice(2).map(Number);

/** A child process that opens `count` ws clients to `url` and reads (and drops) everything. */
function clients(url: string, count: number) {
  const script = `
    const { WebSocket } = require("ws");
    let open = 0;
    for (let i = 0; i < ${count}; i++) {
      const ws = new WebSocket(${JSON.stringify(url)});
      ws.on("open", () => { if (++open === ${count}) process.stdout.write("ready\\n"); });
      ws.on("message", () => {});
      ws.on("error", (e) => { console.error(e.message); process.exit(1); });
    }`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`clients exited with ${code}`)));
  });
  return { child, ready };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The CPU time (user + system: the writes' system calls included) of one round of each variant,
 * the variants interleaved round by round so that a busy machine weighs on them alike.
 */
async function compare(variants: readonly [string, () => void][]): Promise<number[]> {
  const samples = variants.map(() => [] as number[]);
  for (let round = -20; round < rounds; round++) {
    for (const [index, [, sendAll]] of variants.entries()) {
      const start = process.cpuUsage();
      sendAll();
      await flush();
      const used = process.cpuUsage(start);
      if (round >= 0) samples[index]?.push(used.user + used.system);
      await new Promise((resolve) => setTimeout(resolve, 2)); // let the clients read
    }
  }
  return samples.map((list, index) => {
    list.sort((x, y) => x - y);
    const median = list[Math.floor(list.length / 2)] as number;
    const label = (variants[index] as [string, unknown])[0];
    console.log(
      `${label.padEnd(30)} median ${median.toFixed(0).padStart(6)} us CPU per round, ${((median * 1000) / members).toFixed(0).padStart(5)} ns per member`,
    );
    return median;
  });
}

async function main() {
  const payload = new Uint8Array(bytes).fill(7);

  // (c) plain ws
  const raw = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  const sockets: WsSocket[] = [];
  raw.on("connection", (ws) => sockets.push(ws));
  await new Promise((resolve) => raw.once("listening", resolve));
  const rawClients = clients(`ws://127.0.0.1:${(raw.address() as AddressInfo).port}`, members);
  await rawClients.ready;

  // (a), (b) the library
  const { handler, listener } = split();
  const endpoints: Endpoint[] = [];
  void listener.forEach((event) => {
    if (event.type === "accepted") {
      endpoints.push(event.endpoint);
      handler.groups.join("all", event.endpoint);
    }
  });
  const { addr } = await handler.network.listen(Transport.Ws, "127.0.0.1:0");
  const libClients = clients(`ws://${addr}`, members);
  await libClients.ready;
  while (endpoints.length < members) await flush();

  console.log(`${members} ws connections, ${bytes}-byte messages, ${rounds} rounds`);
  const [rawTime = 1, loopTime = 0, groupTime = 0] = await compare([
    ["plain ws: ws.send x members", () => sockets.forEach((ws) => ws.send(payload, { binary: true }))],
    ["network.send x members", () => endpoints.forEach((endpoint) => handler.network.send(endpoint, payload))],
    ["groups.send (one call)", () => handler.groups.send("all", payload)],
  ]);
  console.log(
    `groups.send / plain ws: x${(groupTime / rawTime).toFixed(2)}; network.send loop / plain ws: x${(loopTime / rawTime).toFixed(2)}`,
  );

  rawClients.child.kill();
  libClients.child.kill();
  raw.close();
  handler.stop();
}

await main();
