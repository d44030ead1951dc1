/**
 * The cross-platform scenarios (scenarios.ts) in real Chromium, on the browser build ("message-io"
 * resolves to platform/browser/index.ts here), against the Node scenario server of the global setup.
 * Each log must equal the expected one, and the log the same scenario produced in Node.
 */
import { split } from "message-io";
import { describe, expect, inject, it } from "vitest";
import { expectedLog, isPlatformIndependent } from "./expected.js";
import { runScenario, type ScenarioPlatform, scenarioNames } from "./scenarios.js";

const browserPlatform: ScenarioPlatform = {
  name: "browser",
  split,
  requestFrame: (callback) => {
    requestAnimationFrame(() => callback());
  },
};

/** `"connected(dead): ECONNREFUSED"` -> `"connected(dead)"`. */
const errorSource = (entry: string) => entry.slice(0, entry.lastIndexOf(": "));

const addresses = inject("scenarioAddresses");
const nodeResults = inject("nodeResults");

describe("the client scenarios in Chromium", () => {
  it("runs in Chromium on the browser build, with no Node module loaded into the page", () => {
    expect(navigator.userAgent).toMatch(/Chrome\//);
    expect("setImmediate" in globalThis).toBe(false);
    // Every module the page fetched from Vite's server: the library's are the browser entry and the core.
    const loaded = performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname);
    expect(loaded).toContain("/platform/browser/index.ts");
    expect(loaded).toContain("/src/adapters/ws-client.ts");
    const fromNode = /\/platform\/node\/|\/node_modules\/(isomorphic-)?ws\/|__vite-browser-external|\/@id\/node:/;
    expect(loaded.filter((path) => fromNode.test(path))).toEqual([]);
  });

  it.each(scenarioNames)("%s", async (name) => {
    const { log, errorCodes } = await runScenario(name, browserPlatform, addresses);
    expect(log).toEqual(expectedLog(name, "browser"));
    for (const entry of errorCodes) expect(entry).toMatch(/: [A-Z][A-Z0-9_]+$/);
    if (!isPlatformIndependent(name)) return;
    const node = nodeResults[name];
    expect(log).toEqual(node.log);
    // The same events carry an error on both platforms; only a platform's own codes may differ.
    expect(errorCodes.map(errorSource)).toEqual(node.errorCodes.map(errorSource));
  });
});

describe("the bundle-check page (bundle.ts), built with Vite from the package", () => {
  it("loads and echoes over ws", async () => {
    const url = URL.createObjectURL(new Blob([inject("bundleCode")], { type: "text/javascript" }));
    try {
      await import(/* @vite-ignore */ url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const page = (globalThis as { messageIoBundleCheck?: { echoOnce(addr: string, text: string): Promise<string> } })
      .messageIoBundleCheck;
    expect(page).toBeDefined();
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("no answer within 10 s"), 10_000));
    await expect(Promise.race([page!.echoOnce(addresses.echo, "hello from the bundle"), timeout])).resolves.toBe(
      "hello from the bundle",
    );
  });
});
