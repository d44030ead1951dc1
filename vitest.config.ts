import { fileURLToPath } from "node:url";
import { playwright } from "@vitest/browser-playwright";
import { configDefaults, defineConfig } from "vitest/config";
import { chromiumLaunchOptions } from "./test/support/chromium.js";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The browser project's test files; the node project leaves them alone. */
const browserTests = "test/browser/**/*.browser.test.ts";

export default defineConfig({
  test: {
    // Integration tests open real sockets on loopback, and this machine has 2 cores.
    maxWorkers: 2,
    projects: [
      {
        resolve: {
          // Tests import the package as users do, from its source.
          alias: [
            { find: /^message-io$/, replacement: source("./platform/node/index.ts") },
            { find: /^message-io\/node$/, replacement: source("./platform/node/index.ts") },
            { find: /^message-io\/browser$/, replacement: source("./platform/browser/index.ts") },
            { find: /^message-io\/testing$/, replacement: source("./platform/node/testing.ts") },
            { find: /^message-io\/adapter$/, replacement: source("./platform/node/adapter.ts") },
          ],
        },
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, browserTests],
          globalSetup: ["test/support/build.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: {
          // In the page, "message-io" is the browser build, as the `browser` export condition makes it
          // for users; the global setup (in Node) runs the server on the Node build by its explicit name.
          alias: [
            { find: /^message-io$/, replacement: source("./platform/browser/index.ts") },
            { find: /^message-io\/browser$/, replacement: source("./platform/browser/index.ts") },
            { find: /^message-io\/node$/, replacement: source("./platform/node/index.ts") },
          ],
        },
        test: {
          name: "browser",
          include: [browserTests],
          // dist/ first: the bundle check builds a page against the package's real `exports`.
          globalSetup: ["test/support/build.ts", "test/browser/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              // Debian's Chromium, never a downloaded browser.
              launchOptions: chromiumLaunchOptions,
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
