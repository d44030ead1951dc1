#!/usr/bin/env node
/**
 * The set-up step of `npm test` (its `pretest`): makes sure the programs the tests run are on this
 * machine, so that `npm install` then `npm test` is the whole set-up. It looks for Chromium
 * (`CHROMIUM_PATH`, Playwright's own, /usr/bin/chromium) and `redis-server` (`REDIS_SERVER`, the
 * `PATH`). What is missing it installs, saying so: Debian's packages through apt-get when running
 * as root on Debian, else Chromium through Playwright's installer (which downloads it). When it
 * cannot, it stops with one line naming what to install.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { findChromium, findRedisServer } from "./test-deps.mjs";

const say = (line) => console.log(`setup-test-deps: ${line}`);

/** Runs a command, showing its output only when it fails (apt-get's progress is pages long). */
function run(command, args, env = process.env) {
  say(`running ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], env, encoding: "utf8" });
  if (result.status === 0) return true;
  process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}\n`);
  return false;
}

const isRootOnDebian =
  process.platform === "linux" &&
  process.getuid?.() === 0 &&
  existsSync("/etc/debian_version") &&
  existsSync("/usr/bin/apt-get");

function checkConfigured(variable, found) {
  const value = process.env[variable];
  if (value && !existsSync(value)) {
    console.error(`setup-test-deps: ${variable} is ${value}, which does not exist: fix or unset it`);
    process.exit(1);
  }
  return found;
}

const missing = [];
if (checkConfigured("CHROMIUM_PATH", findChromium()) === undefined) missing.push("chromium");
if (checkConfigured("REDIS_SERVER", findRedisServer()) === undefined) missing.push("redis-server");

if (missing.length > 0 && isRootOnDebian) {
  say(`installing Debian's ${missing.join(" and ")} (root on Debian: apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (
    !run("apt-get", ["update", "-qq"], env) ||
    !run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], env)
  ) {
    say("apt-get failed");
  }
} else if (missing.includes("chromium")) {
  say("no Chromium found: downloading Playwright's (npx playwright install chromium)");
  run(process.execPath, ["node_modules/playwright/cli.js", "install", "chromium"]);
}

const chromium = findChromium();
const redisServer = findRedisServer();
const still = [
  chromium === undefined ? "Chromium (Debian: apt-get install chromium; or set CHROMIUM_PATH to a Chromium)" : [],
  redisServer === undefined
    ? "redis-server (Debian: apt-get install redis-server; macOS: brew install redis; or set REDIS_SERVER)"
    : [],
].flat();
if (still.length > 0) {
  console.error(`setup-test-deps: the tests need ${still.join(", and ")}: install it, then run npm test again`);
  process.exit(1);
}
if (missing.length > 0 || process.env.npm_lifecycle_event !== "pretest") {
  say(`Chromium ${chromium}, redis-server ${redisServer}`);
}
