/**
 * Builds the fixture page (fixture/) with Vite as an application would: "message-io" is resolved by
 * its package name through `package.json` `exports` with Vite's browser conditions, so the bundle
 * holds what users ship (the built dist/, made by the global setup). Runs in Node.
 */
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixture", import.meta.url));

export interface BrowserBundle {
  /** The page's JavaScript: every chunk (lazily loaded ones included). */
  readonly code: string;
  /** Every module bundled, as a path relative to the repository (the fixture's as `fixture/...`). */
  readonly modules: string[];
  /** The modules imported from outside the bundle: must be none in a browser build. */
  readonly imports: string[];
  /** Each bundled module's code as rendered into the chunk, by the path in `modules`. */
  readonly moduleCode: Record<string, string>;
}

/**
 * `conditions` replaces Vite's export conditions for the page (by default the browser's): the
 * bundle check's control case builds with Node's, to show the check catches a Node build.
 */
export async function buildBrowserBundle(conditions?: string[]): Promise<BrowserBundle> {
  // A project of its own, outside the repository, with the package installed the way npm links a
  // workspace: Vite resolves "message-io" from node_modules, reads its `exports`, follows the link.
  const project = await mkdtemp(join(tmpdir(), "message-io-bundle-"));
  try {
    await cp(fixture, project, { recursive: true });
    await mkdir(join(project, "node_modules"));
    await symlink(repoRoot, join(project, "node_modules", "message-io"), "dir");
    const output = (await build({
      root: project,
      configFile: false,
      envFile: false,
      logLevel: "silent",
      ...(conditions === undefined ? {} : { resolve: { conditions } }),
      build: { write: false, modulePreload: { polyfill: false }, reportCompressedSize: false },
    })) as Rollup.RollupOutput;
    // Every chunk: a dynamic import (the Node build loads its Redis client lazily) makes more than one.
    const chunks = output.output.filter((item): item is Rollup.OutputChunk => item.type === "chunk");
    // The Node build loads its Redis client lazily: its bundle has more than one chunk.
    const own = new Set(chunks.map((chunk) => chunk.fileName));
    const name = (id: string) => (id.startsWith(project) ? `fixture/${relative(project, id)}` : relative(repoRoot, id));
    const modules = chunks.flatMap((chunk) => chunk.moduleIds.map(name));
    const moduleCode = Object.fromEntries(
      chunks.flatMap((chunk) => Object.entries(chunk.modules).map(([id, rendered]) => [name(id), rendered.code ?? ""])),
    );
    const imports = chunks.flatMap((chunk) => [...chunk.imports, ...chunk.dynamicImports]).filter((id) => !own.has(id));
    return { code: chunks.map((chunk) => chunk.code).join("\n"), modules, imports, moduleCode };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

/**
 * msgpackr's browser entry (its `exports` under the `browser` condition) and what it imports: not
 * node-index.js, which loads a native addon through `module`, nor its Node streams.
 */
const MSGPACKR_BROWSER = /^node_modules\/msgpackr\/(index|pack|unpack|iterators|scan)\.js$/;

/** Where a browser bundle's modules may come from: the core, the browser entry, msgpackr's browser entry, the page. */
const BROWSER_MODULES = [/^dist\/src\//, /^dist\/platform\/browser\//, MSGPACKR_BROWSER, /^fixture\//];

/** What in the bundled code betrays Node: a `node:` specifier, or a global browsers do not have. */
const NODE_CODE = [
  /["'`]node:[a-z_/]+["'`]/g,
  /(?<![.\w$])(?:Buffer|process|require|global|setImmediate|__dirname|__filename)(?![\w$])/g,
];

/**
 * msgpackr feature-tests `Buffer` (`typeof Buffer !== "undefined"`) and uses it only where it
 * exists: its modules may name `Buffer`, and nothing else of Node. That the page works without it
 * is shown by running it in Chromium (chromium.browser.test.ts), where `Buffer` does not exist.
 */
const allowedNames = (id: string) => (MSGPACKR_BROWSER.test(id) ? ["Buffer"] : []);

/** Everything that shows Node code in `bundle`: modules from elsewhere, external imports, Node names. */
export function nodeTraces(bundle: BrowserBundle): string[] {
  const names = Object.entries(bundle.moduleCode).flatMap(([id, code]) =>
    NODE_CODE.flatMap((pattern) => code.match(pattern) ?? []).filter((name) => !allowedNames(id).includes(name)),
  );
  return [
    ...bundle.modules.filter((id) => !BROWSER_MODULES.some((allowed) => allowed.test(id))).map((id) => `module ${id}`),
    ...bundle.imports.map((id) => `import ${id}`),
    ...[...new Set(names)].map((name) => `code ${name}`),
  ];
}
