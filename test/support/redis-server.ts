/**
 * The `redis-server` binary the tests start (each test file its own, on a free port): the one
 * `npm test`'s set-up step found or installed (scripts/setup-test-deps.mjs: `REDIS_SERVER`, else
 * the `PATH`).
 */
import { findRedisServer } from "../../scripts/test-deps.mjs";

/** The path of `redis-server`; throws one line naming what to install when there is none. */
export function redisServerPath(): string {
  const path = findRedisServer();
  if (path === undefined) {
    throw new Error("no redis-server: run npm test once (it installs it on Debian), install it, or set REDIS_SERVER");
  }
  return path;
}
