/**
 * Generates the API reference (docs/api/index.md) from the doc comments of the package's built
 * type declarations: `npm run docs`.
 *
 * Why not TypeDoc: TypeDoc drives the TypeScript compiler through its JavaScript API, which the
 * native TypeScript 7 package does not have (TypeDoc 0.28 supports TypeScript up to 6.0, and
 * fails to load with 7). The `.d.ts` files tsc emits are regular enough to read directly: their
 * top-level statements are scanned (strings, comments and brackets respected), the entry's
 * exports are followed through `export *` and `export { ... } from`, and each exported
 * declaration is printed with its doc comment.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

interface Statement {
  /** The JSDoc comment right before it, without its delimiters. */
  readonly doc: string;
  readonly text: string;
}

type Kind = "Functions" | "Classes" | "Constants" | "Interfaces" | "Types";
const KINDS: readonly Kind[] = ["Functions", "Classes", "Constants", "Interfaces", "Types"];

interface Declaration {
  readonly name: string;
  readonly kind: Kind;
  readonly doc: string;
  readonly text: string;
}

/** Splits a declaration file into its top-level statements, each with its doc comment. */
export function scanStatements(source: string): Statement[] {
  const statements: Statement[] = [];
  let depth = 0;
  let start = -1; // where the current statement began, -1 between statements
  let doc = "";
  const endsAtBrace = () =>
    /^(export\s+)?(default\s+)?(declare\s+)?(abstract\s+)?(interface|class|enum|namespace|module)\b/;
  for (let at = 0; at < source.length; at++) {
    const char = source[at] as string;
    const next = source[at + 1];
    if (char === "/" && next === "*") {
      const end = source.indexOf("*/", at + 2);
      const close = end < 0 ? source.length : end + 2;
      if (start < 0 && depth === 0 && source[at + 2] === "*") doc = cleanDoc(source.slice(at, close));
      at = close - 1;
      continue;
    }
    if (char === "/" && next === "/") {
      const end = source.indexOf("\n", at);
      at = end < 0 ? source.length : end;
      continue;
    }
    if (start < 0) {
      if (/\s/.test(char)) continue;
      start = at;
    }
    if (char === '"' || char === "'" || char === "`") {
      at = skipString(source, at);
      continue;
    }
    if (char === "{" || char === "(" || char === "[") depth += 1;
    else if (char === "}" || char === ")" || char === "]") depth -= 1;
    const text = () => source.slice(start, at + 1).trim();
    if (depth === 0 && (char === ";" || (char === "}" && endsAtBrace().test(text())))) {
      statements.push({ doc, text: text() });
      start = -1;
      doc = "";
    }
  }
  return statements;
}

function skipString(source: string, at: number): number {
  const quote = source[at];
  for (let i = at + 1; i < source.length; i++) {
    if (source[i] === "\\") i += 1;
    else if (source[i] === quote) return i;
  }
  return source.length;
}

function cleanDoc(comment: string): string {
  return comment
    .replace(/^\/\*\*/, "")
    .replace(/\*\/$/, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, "").trimEnd())
    .join("\n")
    .trim();
}

/** The name a statement declares, and what kind of thing it is; `undefined` for imports and re-exports. */
function declared(text: string): { name: string; kind: Kind } | undefined {
  const head = text.replace(/^export\s+/, "").replace(/^declare\s+/, "");
  const match = /^(?:abstract\s+)?(function|class|interface|type|const|let|var|enum|namespace)\s+([\w$]+)/.exec(head);
  if (match === null) return undefined;
  const [, keyword, name] = match as unknown as [string, string, string];
  const kinds: Record<string, Kind> = {
    function: "Functions",
    class: "Classes",
    interface: "Interfaces",
    type: "Types",
  };
  // A constant holding a function (`const split: <S>(...) => ...`) reads as a function.
  const isFunctionValue = /^(?:const|let|var)\s+[\w$]+\s*:\s*(<|\()/.test(head);
  return { name, kind: kinds[keyword] ?? (isFunctionValue ? "Functions" : keyword === "enum" ? "Types" : "Constants") };
}

/** One declaration file: what it declares (exported or not) and what it re-exports. */
interface Module {
  readonly declarations: Map<string, Declaration[]>;
  readonly exported: Set<string>;
  readonly reexports: { from: string; names: Map<string, string> | "all" }[];
}

function readModule(file: string): Module {
  const module: Module = { declarations: new Map(), exported: new Set(), reexports: [] };
  for (const { doc, text } of scanStatements(readFileSync(file, "utf8"))) {
    const from = /\bfrom\s+["']([^"']+)["']\s*;?$/.exec(text)?.[1];
    if (/^export\s+(type\s+)?\*\s+from/.test(text) && from !== undefined) {
      module.reexports.push({ from: resolveModule(file, from), names: "all" });
      continue;
    }
    const list = /^export\s+(?:type\s+)?\{([^}]*)\}/.exec(text)?.[1];
    if (list !== undefined) {
      const names = new Map<string, string>(); // exported name -> name in the source module
      for (const item of list.split(",")) {
        const parts = item
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/);
        if (parts[0]) names.set(parts[1] ?? parts[0], parts[0]);
      }
      if (from !== undefined) module.reexports.push({ from: resolveModule(file, from), names });
      else for (const name of names.keys()) module.exported.add(name);
      continue;
    }
    const found = declared(text);
    if (found === undefined) continue;
    if (/^export\s/.test(text)) module.exported.add(found.name);
    const declaration = { ...found, doc, text: tidy(text) };
    module.declarations.set(found.name, [...(module.declarations.get(found.name) ?? []), declaration]);
  }
  return module;
}

function resolveModule(from: string, specifier: string): string {
  return resolve(dirname(from), specifier.replace(/\.js$/, ".d.ts"));
}

/** Declaration text as a reader wants it: no `export declare`, no `import("...")` qualifiers. */
function tidy(text: string): string {
  return text
    .replace(/^export\s+/, "")
    .replace(/^declare\s+/, "")
    .replace(/import\("[^"]+"\)\./g, "")
    .replace(/^(?: {4})+/gm, (indent) => " ".repeat(indent.length / 2));
}

/** Every name the entry exports, with its declarations, following re-exports. */
export function collectExports(entry: string): { exported: Declaration[][]; modules: Map<string, Module> } {
  const modules = new Map<string, Module>();
  const load = (file: string) => {
    let module = modules.get(file);
    if (module === undefined) {
      module = readModule(file);
      modules.set(file, module);
    }
    return module;
  };
  const resolveName = (file: string, name: string, seen: Set<string>): Declaration[] | undefined => {
    const key = `${file}#${name}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const module = load(file);
    if (module.exported.has(name) && module.declarations.has(name)) return module.declarations.get(name);
    for (const { from, names } of module.reexports) {
      const source = names === "all" ? name : names.get(name);
      if (source === undefined) continue;
      const found = resolveName(from, source, seen);
      if (found !== undefined) return found.map((declaration) => ({ ...declaration, name }));
    }
    return undefined;
  };
  const exportedNames = (file: string, seen: Set<string>): string[] => {
    if (seen.has(file)) return [];
    seen.add(file);
    const module = load(file);
    const names = [...module.exported];
    for (const { from, names: listed } of module.reexports) {
      names.push(...(listed === "all" ? exportedNames(from, seen) : listed.keys()));
    }
    return names;
  };
  const names = [...new Set(exportedNames(entry, new Set()))].sort((a, b) => a.localeCompare(b));
  const exported = names
    .map((name) => resolveName(entry, name, new Set()))
    .filter((found): found is Declaration[] => found !== undefined)
    .map((found) => found.filter((declaration) => !/@internal\b/.test(declaration.doc)))
    .filter((found) => found.length > 0);
  return { exported, modules };
}

/** Types that exported declarations mention but the package does not export (such as `TransportName`). */
function referencedTypes(exported: Declaration[][], modules: Map<string, Module>): Declaration[][] {
  const known = new Set(exported.map((group) => group[0]?.name));
  const candidates = new Map<string, Declaration[]>();
  for (const module of modules.values()) {
    for (const [name, declarations] of module.declarations) {
      const types = declarations.filter((d) => d.kind === "Types" || d.kind === "Interfaces");
      if (types.length > 0 && !known.has(name) && !/@internal\b/.test(types[0]?.doc ?? "")) candidates.set(name, types);
    }
  }
  const found: Declaration[][] = [];
  let texts = exported.flat().map((declaration) => declaration.text);
  for (let round = 0; round < 5 && texts.length > 0; round++) {
    const added: Declaration[][] = [];
    for (const [name, declarations] of candidates) {
      if (texts.some((text) => new RegExp(`\\b${name}\\b`).test(text))) added.push(declarations);
    }
    for (const declarations of added) candidates.delete(declarations[0]?.name as string);
    found.push(...added);
    texts = added.flat().map((declaration) => declaration.text);
  }
  const nameOf = (group: Declaration[]) => group[0]?.name ?? "";
  return found.sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
}

function render(group: Declaration[]): string {
  const [first] = group as [Declaration];
  const docs = [...new Set(group.map((declaration) => declaration.doc).filter((doc) => doc !== ""))];
  const code = group.map((declaration) => declaration.text).join("\n");
  return [`### ${first.name}`, "", ...docs.flatMap((doc) => [doc, ""]), "```ts", code, "```", ""].join("\n");
}

/** The whole reference, as Markdown. */
export function generateApiReference(entry: string, title: string): string {
  const { exported, modules } = collectExports(entry);
  const byKind = (kind: Kind) => exported.filter((group) => group.some((declaration) => declaration.kind === kind));
  const primaryKind = (group: Declaration[]) => KINDS.find((kind) => group.some((d) => d.kind === kind)) as Kind;
  const sections: string[] = [
    `# ${title}`,
    "",
    "Generated by `npm run docs` from the doc comments of the package's type declarations; edit the",
    "comments in the source, not this file. Guides: [README](../../README.md), [adapters](../adapters.md).",
    "",
  ];
  for (const kind of KINDS) {
    const groups = byKind(kind).filter((group) => primaryKind(group) === kind);
    if (groups.length === 0) continue;
    sections.push(
      `- **${kind}**: ${groups.map((g) => `[\`${g[0]?.name}\`](#${g[0]?.name.toLowerCase()})`).join(", ")}`,
    );
  }
  sections.push("");
  for (const kind of KINDS) {
    const groups = byKind(kind).filter((group) => primaryKind(group) === kind);
    if (groups.length === 0) continue;
    sections.push(`## ${kind}`, "", ...groups.map(render));
  }
  const referenced = referencedTypes(exported, modules);
  if (referenced.length > 0) {
    sections.push("## Types used above", "", "Not exported by name, but part of the signatures.", "");
    sections.push(...referenced.map(render));
  }
  return `${sections.join("\n").trimEnd()}\n`;
}

/** `npm run docs`: run from the repository root, after `npm run build`. */
function main(): void {
  const root = process.cwd();
  const entry = join(root, "dist/platform/node/index.d.ts");
  if (!existsSync(entry)) throw new Error(`${relative(root, entry)} is missing: run \`npm run build\` first`);
  const out = join(root, "docs/api/index.md");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, generateApiReference(entry, "message-io API reference"));
  console.log(`wrote ${relative(root, out)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
