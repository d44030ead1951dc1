/**
 * Runs the examples as users do: built JavaScript from `dist/demo-node` (the Vitest global setup
 * builds it) in child Node processes. A test waits for a line of output, never for time; every
 * wait is bounded and fails with what the child printed. `killChildren()` in `afterEach` ends them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WAIT_MS = 15_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class Child {
  /** stdout and stderr, interleaved as they arrived. */
  output = "";
  readonly exited: Promise<Exit>;
  private readonly process: ChildProcess;
  private exit: Exit | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly name: string,
    script: string,
    args: readonly string[],
  ) {
    this.process = spawn(process.execPath, [`dist/demo-node/${script}`, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString("utf8");
      for (const watcher of this.watchers) watcher();
    };
    this.process.stdout?.on("data", collect);
    this.process.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => {
      this.process.once("close", (code, signal) => {
        this.exit = { code, signal };
        for (const watcher of this.watchers) watcher();
        resolve(this.exit);
      });
    });
  }

  /** The first match of `pattern` in the output, waiting for it up to `ms`. */
  waitFor(pattern: RegExp | string, ms = WAIT_MS): Promise<RegExpMatchArray> {
    return this.waitForCount(pattern, 1, ms).then((matches) => matches[0] as RegExpMatchArray);
  }

  /** Every match of `pattern` once there are at least `count`, waiting up to `ms`. */
  waitForCount(pattern: RegExp | string, count: number, ms = WAIT_MS): Promise<RegExpMatchArray[]> {
    const regex = typeof pattern === "string" ? new RegExp(escapeRegExp(pattern), "g") : new RegExp(pattern, "gm");
    const failure = (why: string) =>
      new Error(`${this.name}: waited for ${count} × ${regex}, ${why}; output:\n${this.output || "(none)"}`);
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.watchers.delete(check);
        settle();
      };
      const check = () => {
        const found = [...this.output.matchAll(regex)];
        if (found.length >= count) finish(() => resolve(found));
        else if (this.exit !== undefined) finish(() => reject(failure(`but it exited (${describeExit(this.exit)})`)));
      };
      const timer = setTimeout(() => finish(() => reject(failure(`still missing after ${ms} ms`))), ms);
      this.watchers.add(check);
      check();
    });
  }

  /** Its exit, within `ms` (killing it then, and failing). */
  async waitForExit(ms = WAIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill("SIGKILL");
        reject(new Error(`${this.name}: no exit within ${ms} ms; output:\n${this.output || "(none)"}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.exit === undefined) this.process.kill(signal);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function describeExit(exit: Exit | undefined): string {
  if (exit === undefined) return "still running";
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}

const running: Child[] = [];

/** Starts `dist/demo-node/<script>` with `args`; `name` labels its failures. */
export function startExample(name: string, script: string, args: readonly string[]): Child {
  const child = new Child(name, script, args);
  running.push(child);
  return child;
}

/** Kills every child still running and waits until each has exited. */
export async function killChildren(): Promise<void> {
  const children = running.splice(0);
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
}
