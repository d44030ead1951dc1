/**
 * The cross-platform scenarios (scenarios.ts) in Node, against the scenario server. The same
 * scenarios run in Chromium in chromium.browser.test.ts and must produce the same logs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedLog } from "./expected.js";
import { nodePlatform } from "./node-platform.js";
import { runScenario, scenarioNames } from "./scenarios.js";
import { type ScenarioServer, startScenarioServer } from "./server.js";

let server: ScenarioServer;

beforeAll(async () => {
  server = await startScenarioServer();
});

afterAll(() => server?.stop());

describe("the client scenarios in Node", () => {
  it.each(scenarioNames)("%s", async (name) => {
    const { log, errorCodes } = await runScenario(name, nodePlatform, server.addresses);
    expect(log).toEqual(expectedLog(name, "node"));
    // Every error carries a machine-readable code.
    for (const entry of errorCodes) expect(entry).toMatch(/: [A-Z][A-Z0-9_]+$/);
  });
});
