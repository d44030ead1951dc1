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

  it("bundles msgpackr's browser entry for msgpack(): no native addon loader, no Node stream", async () => {
    const bundle = await buildBrowserBundle();
    expect(bundle.modules).toContain("dist/src/layer/msgpack.js");
    expect(bundle.modules).toContain("node_modules/msgpackr/index.js");
    expect(bundle.modules.filter((id) => /msgpackr\/(node-index|stream)\.js|msgpackr-extract/.test(id))).toEqual([]);
    // Its one mention of a Node global is a feature test.
    expect(bundle.moduleCode["node_modules/msgpackr/pack.js"]).toMatch(/typeof Buffer/);
  });

  it("would be caught bundling the Node build (the check's control)", async () => {
    const bundle = await buildBrowserBundle(["node", "import", "module", "production"]);
    const traces = nodeTraces(bundle);
    expect(traces).toContain("module dist/platform/node/index.js");
    expect(traces).toContain("module node_modules/ws/lib/websocket-server.js");
    expect(traces.some((trace) => /^module __vite-browser-external:(node:)?net$/.test(trace))).toBe(true);
    expect(traces).toContain("code Buffer");
    expect(traces).toContain("module node_modules/msgpackr/node-index.js");
  });
});
