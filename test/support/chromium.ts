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

/**
 * Added to `chromiumLaunchOptions.args` by the tests and benchmarks that open WebRTC connections
 * to a Node listener on 127.0.0.1: Chromium hides its addresses behind mDNS names (which the
 * listener ignores: resolving them would be a multicast query) and leaves loopback out of ICE
 * unless told otherwise. Without them it still connects, through the listener's host candidate
 * alone (as a user's browser does; one test checks it); with them both sides offer candidates.
 */
export const webRtcLoopbackArgs = [
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--allow-loopback-in-peer-connection",
];
