/**
 * `npm run load:cluster`: the game's shape of load spread over 1 and then 2 server processes that
 * form a cluster on Redis, and the Redis cost of one cross-process message.
 *
 * 1. Redis cost: two server processes; node-0 makes sequential round trips to node-1 through
 *    Redis (median and p99), then sends 64-byte messages as fast as the sender's backlog allows
 *    for 2 s (messages per second through Redis, one sender to one receiver).
 * 2. Players: `--players` ws clients (in a process of their own), spread over the servers, each
 *    sending `--hz` inputs per second; every server sends each input to the group "world" (every
 *    player of every process). Reports the deliveries per second the players received, and each
 *    server's event-loop delay and CPU.
 *
 * Redis: `REDIS_URL`, else a `redis-server` (or `$REDIS_SERVER`) started here on a free port.
 * Options: --players N (default 100), --hz N (default 10), --seconds N (default 5).
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { redisFromEnvironment } from "../../demo-node/redis-server.js";
import type { ServerCommand, ServerReply } from "./cluster-load-server.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const players = option("--players", 100);
const hz = option("--hz", 10);
const seconds = option("--seconds", 5);
const SERVER = new URL("./cluster-load-server.js", import.meta.url);

class Server {
  private readonly child: ChildProcess;
  private waiting: ((message: ServerReply) => void)[] = [];

  constructor() {
    this.child = fork(SERVER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (message: ServerReply) => this.waiting.shift()?.(message));
  }

  ask<R extends ServerReply["reply"]>(command: ServerCommand): Promise<Extract<ServerReply, { reply: R }>> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (message: ServerReply) => void);
      this.child.send(command);
    });
  }

  kill(): void {
    this.child.kill();
  }
}

/** The players: ws clients in a child process, sending inputs and counting what they receive. */
function startPlayers(addrs: string[]): { child: ChildProcess; report: Promise<number> } {
  const script = `
    const { WebSocket } = require("ws");
    const addrs = ${JSON.stringify(addrs)};
    let open = 0, received = 0, counting = false;
    const sockets = [];
    for (let i = 0; i < ${players}; i++) {
      const ws = new WebSocket("ws://" + addrs[i % addrs.length]);
      ws.on("open", () => { if (++open === ${players}) start(); });
      ws.on("message", () => { if (counting) received++; });
      ws.on("error", (e) => { console.error(e.message); process.exit(1); });
      sockets.push(ws);
    }
    const input = Buffer.alloc(32, 1);
    function start() {
      setInterval(() => { for (const ws of sockets) ws.send(input); }, ${1000 / hz});
      setTimeout(() => { counting = true; process.stdout.write("counting\\n"); }, 1000);
      setTimeout(() => { process.stdout.write("received " + received + "\\n"); process.exit(0); }, ${1000 + seconds * 1000});
    }`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const report = new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      const match = /received (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => code !== 0 && reject(new Error(`players exited with ${code}`)));
  });
  return { child, report };
}

async function redisCost(url: string): Promise<void> {
  const servers = [new Server(), new Server()];
  try {
    await Promise.all(servers.map((s, i) => s.ask<"started">({ cmd: "start", redis: url, nodeId: `node-${i}` })));
    const [sender, receiver] = servers as [Server, Server];
    const rtt = await sender.ask<"rtt">({ cmd: "rtt", peer: "node-1", count: 2000 });
    console.log(
      `round trip node-0 -> Redis -> node-1 -> Redis -> node-0: median ${rtt.medianMs.toFixed(3)} ms, p99 ${rtt.p99Ms.toFixed(3)} ms`,
    );
    const before = (await receiver.ask<"received">({ cmd: "received" })).count;
    const burst = await sender.ask<"burst">({ cmd: "burst", peer: "node-1", ms: 2000, bytes: 64 });
    let received = before;
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = (await receiver.ask<"received">({ cmd: "received" })).count;
      if (now === received && now - before >= burst.sent) break;
      received = now;
    }
    const got = received - before;
    console.log(
      `burst of 64-byte messages node-0 -> node-1 for 2 s: ${Math.round(burst.sent / 2)} sent/s, ${Math.round(got / 2)} received/s (${burst.full} refused buffer-full)`,
    );
  } finally {
    for (const s of servers) s.kill();
  }
}

async function playerLoad(url: string, processes: number): Promise<void> {
  const servers = Array.from({ length: processes }, () => new Server());
  try {
    const started = await Promise.all(
      servers.map((s, i) => s.ask<"started">({ cmd: "start", redis: url, nodeId: `node-${processes}-${i}` })),
    );
    await new Promise((r) => setTimeout(r, 500)); // the nodes meet
    const load = startPlayers(started.map((s) => s.ws));
    await new Promise<void>((resolve) =>
      load.child.stdout?.on("data", (c) => String(c).includes("counting") && resolve()),
    );
    await Promise.all(servers.map((s) => s.ask<"measuring">({ cmd: "measure" })));
    const received = await load.report;
    const reports = await Promise.all(servers.map((s) => s.ask<"report">({ cmd: "report" })));
    const expected = players * hz * players;
    console.log(
      `${processes} process${processes > 1 ? "es" : ""}: ${players} players x ${hz} inputs/s, each to all players: ` +
        `${Math.round(received / seconds)} deliveries/s (of ${expected} wanted)`,
    );
    for (const [i, r] of reports.entries()) {
      console.log(
        `  server ${i}: ${Math.round(r.inputs / seconds)} inputs/s, event-loop delay p50 ${r.p50Ms.toFixed(1)} ms p99 ${r.p99Ms.toFixed(1)} ms, CPU ${r.cpuPercent.toFixed(0)} %`,
      );
    }
  } finally {
    for (const s of servers) s.kill();
  }
}

const redis = await redisFromEnvironment();
try {
  console.log(
    `Redis ${redis.url}; ${new Date().toISOString()}; load average ${(await import("node:os"))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  await redisCost(redis.url);
  await playerLoad(redis.url, 1);
  await playerLoad(redis.url, 2);
} finally {
  redis.stop();
}
