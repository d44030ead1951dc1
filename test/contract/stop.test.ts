import { fileURLToPath } from "node:url";
import { Transport } from "message-io";
import { expect, it } from "vitest";
import { runToExit } from "../support/run-to-exit.js";

it("a process that used every transport and called stop() exits by itself", async () => {
  // Bounded: a handle left open would keep the child alive; it is killed then, and this fails.
  const { output, code } = await runToExit(fileURLToPath(new URL("../fixtures/stop-child.mjs", import.meta.url)));
  // Every transport of the Node build (the ones added by adapters of their own come with their own adapter).
  const used = /stopped after (.*)\n/.exec(output)?.[1]?.split(", ");
  expect(used, output).toEqual(
    expect.arrayContaining([Transport.Tcp, Transport.FramedTcp, Transport.Udp, Transport.Ws]),
  );
  expect(code).toBe(0);
});
