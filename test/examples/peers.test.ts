/**
 * The peers example: nodes with ids connect to each other and know each other by id, a node with
 * the wrong hello is refused, each prints its peers' statistics, and a peer that leaves is seen.
 */
import { afterEach, expect, it } from "vitest";
import { killChildren, startExample } from "./children.js";

afterEach(killChildren);

const SCRIPT = "peers/main.js";

it("nodes with ids meet, refuse a wrong hello, print each peer's statistics, and see a peer leave", async () => {
  const alpha = startExample("alpha", SCRIPT, ["alpha", "--every", "300"]);
  const [, addr] = await alpha.waitFor(/node alpha listening at (127\.0\.0\.1:\d+)/);
  const beta = startExample("beta", SCRIPT, ["beta", "--connect", addr as string, "--every", "300"]);
  await beta.waitFor(`connected to alpha (${addr})`);
  await alpha.waitFor(/accepted beta \(127\.0\.0\.1:\d+\)/);
  await alpha.waitFor("beta says: hello from beta");
  await beta.waitFor("alpha says: hello from alpha");
  // Statistics per peer, by id: messages went both ways.
  await alpha.waitFor(/stats beta: \{.*"(received|messagesReceived)":[1-9]/);
  await beta.waitFor(/stats alpha: \{.*"(sent|messagesSent)":[1-9]/);

  const gamma = startExample("gamma", SCRIPT, ["gamma", "--connect", addr as string, "--hello", "other/2"]);
  // Each side refuses the other's hello; the connector reads alpha's hello before alpha's refusal.
  await gamma.waitFor(`no handshake with ${addr}: REJECTED wrong hello: "other/2" expected`);
  await beta.waitFor("alpha says: still here, alpha");
  expect(alpha.output).not.toContain("gamma");

  beta.kill("SIGTERM");
  await alpha.waitFor("beta left");
  expect((await beta.waitForExit()).code).toBe(0);
});
