/**
 * Drives fixtures/peer.mjs in a child process (optionally inside a network namespace) and waits
 * for the events it reports. Every wait is bounded; `kill` ends it whatever state it is in.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fixtures/peer.mjs", import.meta.url));

export interface PeerLine {
  event: string;
  key?: string;
  addr?: string;
  transport?: string;
  ok?: boolean;
  code?: string;
  message?: string;
  bytes?: number;
}

/** Every child started, so a failed test still kills them (see `killAllPeers`). */
const running = new Set<ChildPeer>();

export class ChildPeer {
  readonly lines: PeerLine[] = [];
  private output = "";
  private waiters: { predicate: (line: PeerLine) => boolean; count: number; resolve(): void }[] = [];
  readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    running.add(this);
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    let pending = "";
    child.stdout?.on("data", (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        this.take(pending.slice(0, end));
        pending = pending.slice(end + 1);
      }
    });
    child.stderr?.on("data", (chunk: string) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => running.delete(this));
  }

  /** Starts a peer; `netns` runs it inside that network namespace (`ip netns exec`). */
  static start(role: "server" | "client", config: object, netns?: string): ChildPeer {
    const argv = [script, role, JSON.stringify(config)];
    const child =
      netns === undefined
        ? spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] })
        : spawn("ip", ["netns", "exec", netns, process.execPath, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    return new ChildPeer(child);
  }

  /** Runs another fixture script (`node script ...args`) that reports the same kind of lines. */
  static startScript(scriptPath: string, args: readonly string[]): ChildPeer {
    return new ChildPeer(spawn(process.execPath, [scriptPath, ...args], { stdio: ["ignore", "pipe", "pipe"] }));
  }

  /** Resolves with the exit code once the process ended by itself, or `undefined` after `ms`. */
  async exitWithin(ms: number): Promise<number | null | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    const result = await Promise.race([this.exited.then(() => this.child.exitCode), late]);
    clearTimeout(timer);
    return result;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  private take(text: string): void {
    let line: PeerLine;
    try {
      line = JSON.parse(text) as PeerLine;
    } catch {
      this.output += `${text}\n`;
      return;
    }
    this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.lines.filter(waiter.predicate).length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** The `count`th line matching `predicate`, seen already or still to come, within `ms`. */
  async waitFor(predicate: (line: PeerLine) => boolean, ms = 20_000, count = 1): Promise<PeerLine> {
    const matching = () => this.lines.filter(predicate);
    if (matching().length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`peer ${this.pid}: no such line within ${ms} ms; saw ${JSON.stringify(this.lines.slice(-5))}
${this.output}`),
          );
        }, ms);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiters.push({ predicate, count, resolve: done });
      });
    }
    return matching()[count - 1] as PeerLine;
  }

  /** The addresses of a server peer, by transport, once it listens on all of them. */
  async listening(count: number): Promise<Map<string, string>> {
    await this.waitFor((line) => line.event === "listening", 20_000, count);
    return new Map(
      this.lines.filter((line) => line.event === "listening").map((line) => [line.transport ?? "", line.addr ?? ""]),
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

export async function killAllPeers(): Promise<void> {
  await Promise.all([...running].map((peer) => peer.kill()));
}
