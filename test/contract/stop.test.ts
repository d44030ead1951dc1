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
  // Every transport of the Node build (the ones added by adapters of their own come with their own adapter).
  const used = /stopped after (.*)\n/.exec(output)?.[1]?.split(", ");
  expect(used, output).toEqual(
    expect.arrayContaining([Transport.Tcp, Transport.FramedTcp, Transport.Udp, Transport.Ws]),
  );
  expect(code).toBe(0);
});
