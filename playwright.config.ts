import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./test/support/chromium.js";

/**
 * End-to-end tests: Debian's Chromium (never a downloaded browser) against the real game server.
 * `CHROMIUM_PATH` points at another Chromium build.
 */
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  // One worker: this machine has 2 cores, and each test runs a server and a browser or two.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    headless: true,
    screenshot: "on",
    trace: "retain-on-failure",
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1280, height: 860 },
        launchOptions: chromiumLaunchOptions,
      },
    },
  ],
});
