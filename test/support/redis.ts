/**
 * A real `redis-server` for a test file: on a free port of 127.0.0.1, without persistence, stopped
 * afterwards. The binary is `$REDIS_SERVER`, else `redis-server` on the PATH (Debian's package).
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";

export interface RedisOptions {
  /** `requirepass`: the default user's password. */
  password?: string;
  /** An ACL user with every right: `redis://user:password@...`. */
  user?: { name: string; password: string };
  /** TLS only (no plain port), with this key and certificate. */
  tls?: { key: string; cert: string; keyFile: string; certFile: string };
  /** The port to take (a restart keeps its port); default a free one. */
  port?: number;
}

export class RedisServer {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly options: RedisOptions,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  /** `redis://127.0.0.1:port` (`rediss://` with TLS). */
  get url(): string {
    return `${this.options.tls ? "rediss" : "redis"}://127.0.0.1:${this.port}`;
  }

  static async start(options: RedisOptions = {}): Promise<RedisServer> {
    const port = options.port ?? (await freeTcpPort());
    const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"];
    if (options.tls) {
      args.push("--port", "0", "--tls-port", String(port), "--tls-auth-clients", "no");
      args.push("--tls-cert-file", options.tls.certFile, "--tls-key-file", options.tls.keyFile);
    } else {
      args.push("--port", String(port));
    }
    if (options.password !== undefined) args.push("--requirepass", options.password);
    if (options.user !== undefined) {
      args.push("--user", options.user.name, "on", `>${options.user.password}`, "~*", "&*", "+@all");
    }
    const child = spawn(process.env.REDIS_SERVER ?? "redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const server = new RedisServer(child, port, options);
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => fail(new Error(`redis-server did not start in 10 s: ${output}`)), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(error);
      };
      child.once("error", (error) => fail(new Error(`cannot run redis-server (set REDIS_SERVER?): ${error.message}`)));
      const exitedEarly = (code: number | null) => fail(new Error(`redis-server exited with ${code}: ${output}`));
      child.once("exit", exitedEarly);
      child.stdout?.setEncoding("utf8");
      child.stdout?.on("data", (chunk: string) => {
        output += chunk;
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          child.removeListener("exit", exitedEarly);
          resolve();
        }
      });
    });
    return server;
  }

  /** Stops it (a clean shutdown, as an operator's restart does) and waits until it is gone. */
  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.exited;
    running.delete(this.child);
  }

  /** A new server on the same port with the same options: Redis restarted. */
  restart(): Promise<RedisServer> {
    return RedisServer.start({ ...this.options, port: this.port });
  }
}

const running = new Set<ChildProcess>();

/** Kills every server still running: for `afterAll`, whatever a test left. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      running.delete(child);
      if (child.exitCode !== null) return undefined;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      return gone;
    }),
  );
}

/** A TCP port free right now on 127.0.0.1. */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
