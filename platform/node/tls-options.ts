/** The library's client TLS options (platform-free types) as Node's own. */
import type tls from "node:tls";
import type { ClientTlsOptions, Pem } from "../../src/index.js";

type NodePem = string | Buffer;

/** What the library's client TLS options are in Node's terms (as `ws` and `tls.connect` take them). */
export type NodeClientTls = Pick<tls.ConnectionOptions, "ca" | "cert" | "key" | "servername" | "rejectUnauthorized">;

function nodePem(pem: Pem): NodePem {
  return typeof pem === "string" ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}

function nodePems(pems: Pem | Pem[] | undefined): NodePem | NodePem[] | undefined {
  if (pems === undefined) return undefined;
  return Array.isArray(pems) ? pems.map(nodePem) : nodePem(pems);
}

/** `tls: true` is Node's defaults; an object's PEM bytes become Buffers (views of the same memory). */
export function nodeClientTls(option: ClientTlsOptions | undefined): NodeClientTls | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return {};
  const { ca, cert, key, ...rest } = option;
  return { ...rest, ca: nodePems(ca), cert: nodePems(cert), key: nodePems(key) };
}
