/**
 * A Redis for the clustered demo and the cluster load test when `REDIS_URL` names none: Debian's
 * `redis-server` (or the binary `$REDIS_SERVER` names) on a free port of 127.0.0.1, without
 * persistence, stopped with the program.
 */
import { spawn } from "node:child_process";
import net from "node:net";

export interface LocalRedis {
  readonly url: string;
  stop(): void;
}

/** `REDIS_URL` if set, else a `redis-server` started now. */
export async function redisFromEnvironment(): Promise<LocalRedis> {
  const url = process.env.REDIS_URL;
  return url ? { url, stop: () => {} } : startRedisServer();
}

export async function startRedisServer(): Promise<LocalRedis> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const binary = process.env.REDIS_SERVER ?? "redis-server";
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s: ${output}`)), 10_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${binary} (install redis-server, or set REDIS_URL): ${error.message}`));
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill() };
}
