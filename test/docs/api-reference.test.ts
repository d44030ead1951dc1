/**
 * The API reference (`npm run docs`: TypeDoc, from docs/api/ with a TypeScript 6 of its own) must
 * cover every entry point of the package: each `exports` entry's types come from a source file
 * that docs/api/typedoc.json documents, under the module name users import. The TypeDoc run itself
 * (warnings are errors: a public type it cannot reach fails it) is `npm run docs`, in CI.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

/** The `types` of an `exports` entry, under the `node` condition (the build that has everything). */
function typesOf(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const conditions = entry as Record<string, unknown>;
  if (typeof conditions.types === "string") return conditions.types;
  return typesOf(conditions.node);
}

it("documents every entry point of exports, named as it is imported", () => {
  const manifest = readJson("package.json") as { exports: Record<string, unknown> };
  const typedoc = readJson("docs/api/typedoc.json") as { entryPoints: string[] };
  const documented = new Set(typedoc.entryPoints.map((entry) => join("docs/api", entry)));
  for (const [subpath, entry] of Object.entries(manifest.exports)) {
    if (subpath === "./package.json") continue;
    const types = typesOf(entry);
    expect(types, subpath).toMatch(/^\.\/dist\/.*\.d\.ts$/);
    const source = (types as string).replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts");
    expect([...documented], subpath).toContain(source);
    // "./node" names the same build as ".": its module is "message-io".
    const name = subpath === "." || subpath === "./node" ? "message-io" : `message-io/${subpath.slice(2)}`;
    expect(readFileSync(join(ROOT, source), "utf8"), source).toContain(`@module ${name}\n`);
  }
});
