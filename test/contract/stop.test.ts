import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Transport } from "message-io";
import { expect, it } from "vitest";

it("a process that used every transport and called stop() exits by itself", async () => {
  const script = fileURLToPath(new URL("../fixtures/stop-child.mjs", import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // Bounded: a handle left open would keep the child alive; kill it then, and fail.
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await exit;
  clearTimeout(timer);
  const transports = Object.values(Transport).filter((t) => t !== Transport.Cluster);
  expect(output).toContain(`stopped after ${transports.length} transports`);
  expect(code).toBe(0);
});
