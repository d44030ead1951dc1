/** Starting benchmark processes and talking to them over IPC, every wait bounded in time. */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import os from "node:os";
import type { ChildMessage, Job } from "./jobs.js";

const BENCH_CHILD = new URL("./child.js", import.meta.url);

/**
 * Servers run on CPU 0 and clients on CPU 1 (Linux, with `taskset`). Left alone, the scheduler puts
 * a ping-pong pair on one CPU when the server goes back to sleep quickly after answering, and on two
 * otherwise; on this VM that changes a loopback round trip three-fold, so the library and the
 * baseline would be measured in different situations. Pinned, both always cross between cores, as
 * a client and a server on two machines do. The whole process is pinned, from its start (`taskset`
 * runs node), so V8's helper threads stay on the process's CPU too.
 */
export const pinning = os.cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;

/** A message from a child: `error` is reserved for a child's failure. */
export interface Message {
  type: string;
}

/** A child process speaking messages of type `M` over IPC. */
export class Process<M extends Message> {
  private readonly process: ChildProcess;
  private readonly inbox: (M | { type: "error"; message: string })[] = [];
  private waiting: (() => void) | undefined;
  private exited = false;

  constructor(
    private readonly name: string,
    script: URL,
    job: unknown,
    options: { execArgv?: string[]; cpu?: number } = {},
  ) {
    const execArgv = options.execArgv ?? [];
    const pinned = pinning && options.cpu !== undefined;
    this.process = fork(script, [JSON.stringify(job)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // `taskset -c N node <flags> script`: fork runs execPath with execArgv before the script.
      ...(pinned
        ? { execPath: "taskset", execArgv: ["-c", String(options.cpu), process.execPath, ...execArgv] }
        : { execArgv }),
    });
    this.process.on("message", (message: M) => {
      this.inbox.push(message);
      this.waiting?.();
    });
    this.process.on("error", () => {}); // a send racing the child's exit: the exit is what matters
    this.process.on("exit", () => {
      this.exited = true;
      this.waiting?.();
    });
  }

  /** The next message of `type`; rejects on an `error` message, an exit, or after `timeoutMs`. */
  async next<T extends M["type"]>(type: T, timeoutMs = 60_000): Promise<Extract<M, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type || m.type === "error");
      if (index >= 0) {
        const [message] = this.inbox.splice(index, 1) as [M | { type: "error"; message: string }];
        if (message.type === "error")
          throw new Error(`${this.name} failed: ${(message as { message: string }).message}`);
        return message as Extract<M, { type: T }>;
      }
      if (this.exited) throw new Error(`${this.name} exited before sending "${type}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no "${type}" from ${this.name} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
  }

  send(message: unknown): void {
    if (!this.exited && this.process.connected) this.process.send(message as string, () => {});
  }

  /** Asks the child to stop, and kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    if (this.exited) return;
    this.send("stop");
    const gone = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** One side of one throughput or latency measurement (child.ts). */
export class Child extends Process<ChildMessage> {
  constructor(job: Job) {
    super(`${job.impl} ${job.transport} ${job.role === "server" ? job.kind : job.mode}`, BENCH_CHILD, job, {
      cpu: job.role === "server" ? 0 : 1,
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
