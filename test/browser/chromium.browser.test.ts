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

interface BundlePage {
  echoOnce(addr: string, text: string): Promise<string>;
  msgpackEcho(addr: string, message: unknown): Promise<unknown>;
}

/** The bundle-check page's functions, its script loaded once. */
let bundlePage: Promise<BundlePage> | undefined;
function loadBundlePage(): Promise<BundlePage> {
  bundlePage ??= (async () => {
    const url = URL.createObjectURL(new Blob([inject("bundleCode")], { type: "text/javascript" }));
    try {
      await import(/* @vite-ignore */ url);
    } finally {
      URL.revokeObjectURL(url);
    }
    return (globalThis as { messageIoBundleCheck?: BundlePage }).messageIoBundleCheck as BundlePage;
  })();
  return bundlePage;
}

const within10s = <T>(promise: Promise<T>) =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve("no answer within 10 s"), 10_000))]);

describe("the bundle-check page (bundle.ts), built with Vite from the package", () => {
  it("loads and echoes over ws", async () => {
    const page = await loadBundlePage();
    expect(page).toBeDefined();
    await expect(within10s(page.echoOnce(addresses.echo, "hello from the bundle"))).resolves.toBe(
      "hello from the bundle",
    );
  });

  it("round-trips a msgpack message with msgpackr's browser build, in a page without Buffer", async () => {
    expect(typeof (globalThis as { Buffer?: unknown }).Buffer).toBe("undefined");
    const page = await loadBundlePage();
    const message = {
      text: "héllo ✓",
      at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      big: 2n ** 60n,
      blob: Uint8Array.of(1, 2, 255),
    };
    await expect(within10s(page.msgpackEcho(addresses.echo, message))).resolves.toEqual(message);
  });
});
