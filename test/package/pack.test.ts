/**
 * `npm pack` from a fresh clone: the tarball must hold the built package (a clone has no `dist/`,
 * and a pack that did not build first shipped two files). The sources are copied to a directory
 * without `dist/`, packed there, and the tarball's file list must hold every entry point of
 * `exports` and its `.d.ts`.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const clone = mkdtempSync(join(tmpdir(), "message-io-pack-"));

afterAll(() => rmSync(clone, { recursive: true, force: true }));

/** Every file an `exports` entry names, for every condition. */
function exportedFiles(exports: unknown): string[] {
  if (typeof exports === "string") return [exports.replace(/^\.\//, "")];
  if (exports === null || typeof exports !== "object") return [];
  return Object.values(exports).flatMap(exportedFiles);
}

it("packs the built package: every entry point of exports and its .d.ts", () => {
  for (const entry of ["src", "platform", "demo-node", "package.json", "tsconfig.json", "tsconfig.build.json"]) {
    cpSync(join(ROOT, entry), join(clone, entry), { recursive: true });
  }
  cpSync(join(ROOT, "README.md"), join(clone, "README.md"));
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");

  const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts=false"], {
    cwd: clone,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  // npm prints the build's own output before the JSON report on stdout.
  const report = JSON.parse(output.slice(output.indexOf("[\n"))) as { files: { path: string }[] }[];
  const packed = new Set(report[0]?.files.map((file) => file.path));

  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: unknown };
  const expected = exportedFiles(manifest.exports).filter((file) => file !== "package.json");
  expect(expected).toContain("dist/platform/node/index.js");
  expect(expected).toContain("dist/platform/browser/index.d.ts");
  for (const file of expected) {
    expect(packed, file).toContain(file);
    if (file.endsWith(".js")) expect(packed, file).toContain(file.replace(/\.js$/, ".d.ts"));
  }
  expect(packed).toContain("README.md");
});
