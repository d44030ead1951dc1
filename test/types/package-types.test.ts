/**
 * The types a project gets from the built package, through `exports`, as a fresh project resolves
 * them: a browser project (Vite's `moduleResolution: "bundler"`) importing `message-io/browser`, or
 * `message-io` with the `browser` condition, gets the browser types, where `listen` and a tcp
 * `connect` do not compile; a Node project importing `message-io` keeps them.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const project = mkdtempSync(join(tmpdir(), "message-io-types-"));
mkdirSync(join(project, "node_modules"));
symlinkSync(ROOT, join(project, "node_modules/message-io"), "dir");

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The `@ts-expect-error` checks of browser-api.ts, importing from `specifier`. */
const browserChecks = (specifier: string) =>
  readFileSync(join(ROOT, "test/types/browser-api.ts"), "utf8").replace('"message-io/browser"', `"${specifier}"`);

/** Type-checks `source` in a project of its own; resolves with tsc's complaints ("" when none). */
function typeCheck(name: string, source: string, compilerOptions: Record<string, unknown>): string {
  const dir = join(project, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.ts"), source);
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "ES2022",
      lib: ["ES2022", "DOM"],
      types: [],
      ...compilerOptions,
    },
    files: ["main.ts"],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
  try {
    execFileSync(process.execPath, [TSC, "-p", join(dir, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
    return "";
  } catch (error) {
    return String((error as { stdout?: string }).stdout);
  }
}

const bundler = { module: "ESNext", moduleResolution: "bundler" };

it("a Vite project importing message-io/browser gets the browser types", () => {
  expect(typeCheck("vite-browser", browserChecks("message-io/browser"), bundler)).toBe("");
});

it("the browser export condition carries the browser types too", () => {
  const options = { ...bundler, customConditions: ["browser"] };
  expect(typeCheck("vite-condition", browserChecks("message-io"), options)).toBe("");
});

it("a Node project importing message-io keeps listen and tcp", () => {
  const source = [
    'import { split, Transport } from "message-io";',
    "const { handler } = split();",
    'void handler.network.listen(Transport.FramedTcp, "127.0.0.1:0");',
    'handler.network.connect(Transport.Tcp, "127.0.0.1:3042", { timeout: 1000 });',
  ].join("\n");
  expect(
    typeCheck("node", source, {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
    }),
  ).toBe("");
});
