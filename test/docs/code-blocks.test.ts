/**
 * Every ```ts block of README.md and docs/*.md compiles against the package, so what users copy
 * works. Each block is written to test/docs/.blocks/ (gitignored, and outside every tsconfig's
 * globs since it starts with a dot) as a module of its own, then all are type-checked in one `tsc`
 * run with "message-io" resolved through the repository's tsconfig paths. A block is checked as if
 * it sat in demo-node/ (`rootDirs`), so a doc may import an example by its relative path
 * (`./unix-socket-adapter.js`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BLOCKS = join(ROOT, "test/docs/.blocks");

interface Block {
  /** The markdown file, relative to the repository. */
  readonly source: string;
  /** 1-based, in the order of the file. */
  readonly index: number;
  /** The line of the opening fence in the markdown file. */
  readonly line: number;
  readonly code: string;
  readonly file: string;
}

/** The ```ts blocks of one markdown file. */
function extractBlocks(source: string): Block[] {
  const lines = readFileSync(join(ROOT, source), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let at = 0; at < lines.length; at++) {
    if (!/^\s*```(ts|typescript)\s*$/.test(lines[at] as string)) continue;
    const start = at;
    const body: string[] = [];
    for (at += 1; at < lines.length && !/^\s*```\s*$/.test(lines[at] as string); at++) body.push(lines[at] as string);
    const index = blocks.length + 1;
    const file = `${source.replace(/[^\w]+/g, "_")}-block${index}.ts`;
    blocks.push({ source, index, line: start + 1, code: body.join("\n"), file });
  }
  return blocks;
}

const markdown = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];
const blocks = markdown.flatMap(extractBlocks);
/** tsc's diagnostics, by block file. */
const errors = new Map<string, string[]>();

beforeAll(() => {
  rmSync(BLOCKS, { recursive: true, force: true });
  mkdirSync(BLOCKS, { recursive: true });
  for (const block of blocks) {
    // `export {}` makes every block a module: no clash between blocks, and top-level await works.
    writeFileSync(join(BLOCKS, block.file), `${block.code}\nexport {};\n`);
  }
  const tsconfig = {
    extends: relative(BLOCKS, join(ROOT, "tsconfig.json")),
    compilerOptions: { noEmit: true, rootDirs: [".", relative(BLOCKS, join(ROOT, "demo-node"))] },
    files: blocks.map((block) => block.file),
  };
  writeFileSync(join(BLOCKS, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  let output = "";
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", BLOCKS, "--pretty", "false"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: "pipe",
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  for (const line of output.split("\n")) {
    const match = /\.blocks\/([^(]+)\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (match === null) continue;
    const [, file, row, column, message] = match as unknown as [string, string, string, string, string];
    const block = blocks.find((candidate) => candidate.file === file);
    const where = block === undefined ? file : `${block.source}:${block.line + Number(row)}:${column}`;
    errors.set(file, [...(errors.get(file) ?? []), `${where} ${message}`]);
  }
  if (output !== "" && errors.size === 0) errors.set("tsc", [output]);
});

afterAll(() => {
  rmSync(BLOCKS, { recursive: true, force: true });
});

it("finds the code blocks to check", () => {
  expect(blocks.filter((block) => block.source === "README.md").length).toBeGreaterThan(0);
  expect(blocks.filter((block) => block.source === "docs/adapters.md").length).toBeGreaterThan(0);
  expect(errors.get("tsc")).toBeUndefined();
});

describe.each(markdown)("%s", (source) => {
  const ofSource = blocks.filter((block) => block.source === source);
  it.each(ofSource.map((block) => [`block ${block.index} (line ${block.line})`, block] as const))(
    "%s compiles",
    (_, block) => {
      expect(errors.get(block.file) ?? [], `${source} block ${block.index} at line ${block.line}`).toEqual([]);
    },
  );
});
