/**
 * How every browser test and benchmark launches Chromium: the one `npm test`'s set-up step found
 * or installed (scripts/setup-test-deps.mjs: `CHROMIUM_PATH`, Playwright's own, Debian's), with
 * the flags a sandboxed, offline, headless machine needs.
 */
import { findChromium, SYSTEM_CHROMIUM } from "../../scripts/test-deps.mjs";

export const chromiumLaunchOptions = {
  // Debian's path when none is found: a run without the set-up step then fails naming it.
  executablePath: findChromium() ?? SYSTEM_CHROMIUM,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    // Without these, Chromium keeps reaching for Google's hosts, which this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
