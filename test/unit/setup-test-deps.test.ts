/**
 * The set-up step of `npm test` (scripts/setup-test-deps.mjs): with everything found it installs
 * nothing and names what it found; a setting that points nowhere stops it with one line naming it.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { findChromium, findRedisServer } from "../../scripts/test-deps.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function setup(env: Record<string, string>) {
  return spawnSync(process.execPath, ["scripts/setup-test-deps.mjs"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_lifecycle_event: "", ...env },
  });
}

it("finds Chromium and redis-server where the settings say, installing nothing", () => {
  const chromium = findChromium();
  const redis = findRedisServer();
  expect(chromium).toBeDefined();
  expect(redis).toBeDefined();
  const result = setup({ CHROMIUM_PATH: chromium as string, REDIS_SERVER: redis as string });
  expect(result.stderr).toBe("");
  expect(result.stdout).toBe(`setup-test-deps: Chromium ${chromium}, redis-server ${redis}\n`);
  expect(result.status).toBe(0);
});

it.each(["CHROMIUM_PATH", "REDIS_SERVER"])("stops with one line when %s points nowhere", (variable) => {
  const result = setup({ [variable]: "/nonexistent/program" });
  expect(result.status).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toBe(
    `setup-test-deps: ${variable} is /nonexistent/program, which does not exist: fix or unset it\n`,
  );
});
