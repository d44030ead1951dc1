/**
 * How every browser test and benchmark launches Chromium: Debian's build (never a browser
 * downloaded by a test tool, which cannot work here), or `CHROMIUM_PATH`, with the flags a
 * sandboxed, offline, headless machine needs.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
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
