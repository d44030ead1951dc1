/**
 * Global setup of the browser project, in Node: starts the scenario server, runs every scenario in
 * Node against it so the browser test can compare the two logs directly, and builds the bundle-check
 * page. All of it reaches the page through `provide`/`inject`.
 *
 * This project aliases "message-io" to the browser build, so here the Node build is named
 * explicitly ("message-io/node", in server.ts and node-platform.ts); what scenarios.ts imports from
 * "message-io" besides `split` is the shared core, the same module either way.
 */
import type { TestProject } from "vitest/node";
import { buildBrowserBundle } from "./bundle.js";
import type { ScenarioAddresses, ScenarioResult } from "./log.js";
import { nodePlatform } from "./node-platform.js";
import { runScenario, type ScenarioName, scenarioNames } from "./scenarios.js";
import { startScenarioServer } from "./server.js";

declare module "vitest" {
  export interface ProvidedContext {
    scenarioAddresses: ScenarioAddresses;
    /** Each scenario's result in Node, run against the same server. */
    nodeResults: Record<ScenarioName, ScenarioResult>;
    /** The bundle-check page's JavaScript (bundle.ts). */
    bundleCode: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startScenarioServer();
  try {
    project.provide("scenarioAddresses", server.addresses);
    const nodeResults = {} as Record<ScenarioName, ScenarioResult>;
    for (const name of scenarioNames) nodeResults[name] = await runScenario(name, nodePlatform, server.addresses);
    project.provide("nodeResults", nodeResults);
    project.provide("bundleCode", (await buildBrowserBundle()).code);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}
