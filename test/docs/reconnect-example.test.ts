/**
 * The README's `reconnect` example runs as written: extracted from the markdown, its import pointed
 * at the built package (the global setup builds dist/), run in a child Node process, which must
 * print the whole story and exit by itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { runToExit } from "../support/run-to-exit.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The first ```ts block after `heading` in README.md. */
function exampleAfter(heading: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.indexOf(heading);
  expect(section).toBeGreaterThanOrEqual(0);
  const start = readme.indexOf("```ts\n", section) + "```ts\n".length;
  return readme.slice(start, readme.indexOf("```", start));
}

it("the README's reconnect example runs: echo, reconnecting while away, the held message back, exit", async () => {
  const entry = pathToFileURL(join(ROOT, "dist/platform/node/index.js")).href;
  // The example has no type annotations: as JavaScript it only needs the import resolved.
  const code = exampleAfter("## Connections that come back").replace('from "message-io"', `from "${entry}"`);
  const dir = mkdtempSync(join(tmpdir(), "reconnect-example-"));
  const script = join(dir, "reconnect-example.mjs");
  writeFileSync(script, code);
  const { output, code: exitCode } = await runToExit(script, 20_000);
  rmSync(dir, { recursive: true, force: true });
  expect(output.trim().split("\n")).toEqual([
    "echo: hello",
    expect.stringMatching(/^reconnecting \(attempt 1, in \d+ ms\) $/),
    expect.stringMatching(/^reconnecting \(attempt 2, in \d+ ms\) ECONNREFUSED$/),
    expect.stringMatching(/^reconnecting \(attempt 3, in \d+ ms\) ECONNREFUSED$/),
    "echo: held while away",
  ]);
  expect(exitCode).toBe(0);
});
