/**
 * Builds what the tests run, every time (a stale build would test old code): the library and the
 * demo server (`npm run build`, to dist/), then the page (`npm run build:web`, to demo-web/dist/).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export default function globalSetup(): void {
  for (const script of ["build", "build:web"]) {
    execFileSync("npm", ["run", "--silent", script], { cwd: root, stdio: "inherit", timeout: 120_000 });
  }
}
