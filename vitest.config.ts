import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the package as users do, from its source.
    alias: [
      { find: /^message-io$/, replacement: source("./platform/node/index.ts") },
      { find: /^message-io\/node$/, replacement: source("./platform/node/index.ts") },
      { find: /^message-io\/browser$/, replacement: source("./platform/browser/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/build.ts"],
    // Integration tests open real sockets on loopback, and this machine has 2 cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
