/**
 * Where the programs the tests need live: Chromium (the browser and end-to-end tests) and
 * `redis-server` (the cluster tests, each file starts its own). Lookup only: it never installs
 * anything (scripts/setup-test-deps.mjs does, before `npm test`). Shared by that step and by
 * test/support, so the tests launch exactly what the step found.
 */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";

const require = createRequire(import.meta.url);

/** Debian's Chromium. */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser Playwright installed for itself (`npx playwright install chromium`), if it did. */
function playwrightChromium() {
  try {
    const path = require("playwright").chromium.executablePath();
    return path && executable(path) ? path : undefined;
  } catch {
    return undefined; // Playwright not installed, or it knows no browser for this platform
  }
}

/**
 * The Chromium to run: `CHROMIUM_PATH` when set (whether or not it exists, so a wrong value is
 * reported rather than ignored), else Playwright's own, else Debian's; `undefined` when none is there.
 */
export function findChromium() {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return configured;
  return playwrightChromium() ?? (executable(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined);
}

/** `REDIS_SERVER` when set, else `redis-server` on the `PATH`; `undefined` when there is none. */
export function findRedisServer() {
  const configured = process.env.REDIS_SERVER;
  if (configured) return configured;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    for (const name of process.platform === "win32" ? ["redis-server.exe"] : ["redis-server"]) {
      if (executable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}
