/** Runs the built game server (`dist/demo-node/game-server.js`) as a child process, on loopback. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const READY = /^game server: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m;

export class GameServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly port: number,
    private readonly output: () => string,
  ) {}

  /**
   * Starts the server on `port` (0: a free one) and resolves once it printed its URL. `script`
   * picks another entry (the clustered one), with `env` added to its environment.
   */
  static async start(
    port = 0,
    script = "dist/demo-node/game-server.js",
    env: Record<string, string> = {},
  ): Promise<GameServerProcess> {
    const child = spawn(process.execPath, [script], {
      cwd: root,
      env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      output += chunk;
    });
    const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error("the game server did not start within 15 s")), 15_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`${error.message}\n${output}`));
      };
      child.stdout?.on("data", (chunk: string) => {
        output += chunk;
        const match = READY.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match);
        }
      });
      child.once("exit", (code) => fail(new Error(`the game server exited with code ${code}`)));
      child.once("error", fail);
    });
    return new GameServerProcess(child, ready[1] as string, Number(ready[2]), () => output);
  }

  /** Everything the server printed so far. */
  get log(): string {
    return this.output();
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
