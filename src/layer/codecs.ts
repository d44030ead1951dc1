/** The built-in codecs besides `msgpack` (msgpack.ts): JSON and text, both as UTF-8. */
import type { Codec } from "./codec.js";

const utf8 = new TextEncoder();
/**
 * `fatal`: invalid UTF-8 is the peer's fault and must not decode (it would otherwise become U+FFFD
 * silently). `ignoreBOM`: a leading U+FEFF is part of the text, kept, not stripped.
 */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strings as their UTF-8 bytes; invalid UTF-8 does not decode. */
export function text(): Codec<string> {
  return {
    name: "text",
    encode: (message) => {
      if (typeof message !== "string") throw new TypeError(`the text codec encodes strings, not ${describe(message)}`);
      return utf8.encode(message);
    },
    decode: (data) => strictUtf8.decode(data),
  };
}

/** JSON as UTF-8. What `JSON.stringify` refuses (a `BigInt`, a cycle, `undefined`) does not encode. */
export function json<M>(): Codec<M> {
  return {
    name: "json",
    encode: (message) => {
      const serialized: string | undefined = JSON.stringify(message);
      if (serialized === undefined) throw new TypeError(`JSON cannot encode ${describe(message)}`);
      return utf8.encode(serialized);
    },
    decode: (data) => JSON.parse(strictUtf8.decode(data)) as M,
  };
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
}
