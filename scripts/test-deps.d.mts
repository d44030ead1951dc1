/** Types of scripts/test-deps.mjs, for the TypeScript tests that import it. */
export declare const SYSTEM_CHROMIUM: string;
/** The Chromium to run (`CHROMIUM_PATH`, Playwright's own, Debian's), or `undefined`. */
export declare function findChromium(): string | undefined;
/** `REDIS_SERVER`, or `redis-server` on the `PATH`, or `undefined`. */
export declare function findRedisServer(): string | undefined;
