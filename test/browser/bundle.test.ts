/**
 * The bundle check: a page importing `{ split, Transport } from "message-io"`, built with Vite the
 * way an application is, ships the core and the browser entry and nothing of Node. The page itself
 * runs in Chromium in chromium.browser.test.ts.
 */
import { describe, expect, it } from "vitest";
import { buildBrowserBundle, nodeTraces } from "./bundle.js";

describe("a page built with Vite from the package", () => {
  it("bundles the browser build only: no node: import, no net, dgram or ws, no Buffer or process", async () => {
    const bundle = await buildBrowserBundle();
    expect(bundle.modules).toContain("dist/platform/browser/index.js");
    expect(bundle.modules).toContain("dist/src/adapters/ws-client.js");
    expect(nodeTraces(bundle)).toEqual([]);
  });

  it("would be caught bundling the Node build (the check's control)", async () => {
    const bundle = await buildBrowserBundle(["node", "import", "module", "production"]);
    const traces = nodeTraces(bundle);
    expect(traces).toContain("module dist/platform/node/index.js");
    expect(traces).toContain("module node_modules/ws/lib/websocket-server.js");
    expect(traces.some((trace) => /^module __vite-browser-external:(node:)?net$/.test(trace))).toBe(true);
    expect(traces).toContain("code Buffer");
  });
});
