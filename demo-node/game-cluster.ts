/**
 * The game demo as several server processes sharing one port (Node's `cluster`: connections are
 * spread over the processes), meeting through Redis (`Transport.Cluster`): players land on any
 * process, and every page's roster lists the players of all of them. `WORKERS` (default 2) sets
 * how many; `REDIS_URL` names a Redis, else one is started here; `HOST` and `PORT` as for
 * `npm start`. It prints `game server: http://host:port/` once every process is ready.
 */
import cluster from "node:cluster";
import { fileURLToPath } from "node:url";
import { startGameServer } from "./game/server.js";
import { redisFromEnvironment } from "./redis-server.js";

const host = process.env.HOST ?? "0.0.0.0";
const port = Number(process.env.PORT ?? 8080);

if (cluster.isPrimary) {
  const workers = Number(process.env.WORKERS ?? 2);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    console.error(`game cluster: WORKERS must be 1-64, not "${process.env.WORKERS}"`);
    process.exit(2);
  }
  const redis = await redisFromEnvironment().catch((error: Error) => {
    console.error(`game cluster: ${error.message}`);
    process.exit(1);
  });
  let ready = 0;
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
  };
  cluster.on("message", (_worker, message: { ready?: string }) => {
    if (message.ready === undefined || ++ready !== workers) return;
    console.log(`game server: ${message.ready}`);
    console.log(`game cluster: ${workers} processes, Redis ${redis.url.replace(/\/\/[^@/]*@/, "//")}`);
  });
  cluster.on("exit", (worker, code) => {
    if (!stopping) console.error(`game cluster: process ${worker.process.pid} exited (${code}); stopping`);
    stop();
    if (Object.keys(cluster.workers ?? {}).length === 0) {
      redis.stop();
      process.exitCode = stopping ? 0 : 1;
    }
  });
  for (let index = 0; index < workers; index++) cluster.fork({ WORKER_INDEX: String(index), REDIS_URL: redis.url });
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} else {
  const index = Number(process.env.WORKER_INDEX);
  const webRoot = fileURLToPath(new URL("../../demo-web/dist/", import.meta.url));
  const server = await startGameServer({
    host,
    port,
    webRoot,
    log: (line) => console.log(`[process ${index}] ${line}`),
    // Player ids apart per process (they share each page's scoreboard); node ids unique per run.
    cluster: { redis: process.env.REDIS_URL as string, nodeId: `game-${process.pid}`, firstPlayerId: index * 1000 + 1 },
  }).catch((error: Error) => {
    console.error(`game cluster: process ${index} cannot start: ${error.message}`);
    process.exit(1);
  });
  process.send?.({ ready: server.url });
  process.once("SIGTERM", () => void server.close());
  process.once("SIGINT", () => void server.close());
  await server.done;
  process.exit(0);
}
