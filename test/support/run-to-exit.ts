/**
 * Runs a Node script in a child process until it exits by itself, which is what a test of "nothing
 * keeps the process alive" needs. Bounded: a child still running after `ms` is killed, and its
 * exit code is then `null`.
 */
import { spawn } from "node:child_process";

export interface RunResult {
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
  readonly code: number | null;
}

export async function runToExit(script: string, ms = 15_000): Promise<RunResult> {
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const code = await exit;
  clearTimeout(timer);
  return { output, code };
}
