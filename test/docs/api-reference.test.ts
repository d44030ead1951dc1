/**
 * The API reference generator (docs/api/generate.ts, `npm run docs`): it reads the built type
 * declarations (the Vitest global setup builds dist/), so every name the package exports must come
 * out with its signature and doc comment, and nothing marked `@internal`.
 */
import { fileURLToPath } from "node:url";
import * as pkg from "message-io";
import { expect, it } from "vitest";
import { generateApiReference, scanStatements } from "../../docs/api/generate.js";

const entry = fileURLToPath(new URL("../../dist/platform/node/index.d.ts", import.meta.url));
const reference = generateApiReference(entry, "API");
const headings = new Set([...reference.matchAll(/^### (\S+)$/gm)].map((match) => match[1]));

/** The section of one name: from its heading to the next. */
function section(name: string): string {
  const start = reference.indexOf(`### ${name}\n`);
  const end = reference.indexOf("\n### ", start + 1);
  return start < 0 ? "" : reference.slice(start, end < 0 ? undefined : end);
}

it("documents every value the package exports", () => {
  const values = Object.keys(pkg).sort();
  expect(values.length).toBeGreaterThan(5);
  expect(values.filter((name) => !headings.has(name))).toEqual([]);
});

it("documents the public types of the API contract", () => {
  const types = ["NodeEvent", "NetEvent", "NodeHandler", "NodeListener", "EventReceiver", "NetworkController"];
  types.push("SignalSender", "ResourceId", "TimerId", "Adapter", "Connection", "ConnectionSink", "Listening");
  types.push("TcpConnectOptions", "UdpListenOptions", "WsListenOptions", "SplitOptions", "TransportInfo");
  expect(types.filter((name) => !headings.has(name))).toEqual([]);
});

it("gives each name its signature and doc comment, members' comments included", () => {
  expect(section("SendStatus")).toContain("The outcome of `network.send()`.");
  expect(section("SendStatus")).toContain('readonly BufferFull: "buffer-full";');
  expect(section("transportInfo")).toMatch(/function transportInfo\(transport: TransportName\): TransportInfo;/);
  expect(section("NetworkController")).toContain("pendingBytes(endpoint: Endpoint): number;");
  expect(section("NetworkController")).toContain("/** Closes a connection or listener without any event");
  // Types the signatures use, though not exported by name.
  expect(headings.has("TransportName")).toBe(true);
});

it("leaves out what is marked @internal, and import() qualifiers", () => {
  expect(headings.has("createSplit")).toBe(false);
  expect(headings.has("registerTransportInfo")).toBe(false);
  expect(reference).not.toContain('import("');
});

it("splits declarations at the top level only, whatever their strings and comments hold", () => {
  const source = [
    "/** Doc of a. */",
    'export declare const a: "};{";',
    "/** Doc of B. */",
    "export interface B {",
    "    /** a member; with a semicolon */",
    "    x: { y: string };",
    "}",
    "// a line comment { ",
    "export type C = ",
    "/** inner */",
    "{ readonly k: 1 } | { readonly k: 2 };",
    'export { a as d } from "./a.js";',
  ].join("\n");
  const statements = scanStatements(source);
  expect(statements.map((statement) => statement.doc)).toEqual(["Doc of a.", "Doc of B.", "", ""]);
  expect(statements[1]?.text.endsWith("}")).toBe(true);
  expect(statements[2]?.text).toContain("{ readonly k: 2 };");
  expect(statements[3]?.text).toBe('export { a as d } from "./a.js";');
});
