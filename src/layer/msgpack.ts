/**
 * `msgpack()`: MessagePack through msgpackr, the fastest implementation on npm. Configured to write
 * plain MessagePack that any implementation reads back unchanged (LAYERS.md section 1): objects and
 * `Map`s as maps (decoded as plain objects), `Uint8Array` and other byte views as bin, `Date` as
 * the standard timestamp (extension -1), `BigInt` as a 64-bit integer, `undefined` as nil; none of
 * msgpackr's own record or extension types on the wire.
 */
import { C1, Packr } from "msgpackr";
import type { Codec } from "./codec.js";

/**
 * Options for the one `Packr` of a codec. msgpackr's defaults are its own wire extensions in
 * places; each option here turns one of them into plain MessagePack.
 */
const PLAIN_MESSAGEPACK = {
  /** msgpackr's records (a structure table on the wire) are its own: write maps. */
  useRecords: false,
  /** Maps decode as plain objects, not `Map`s, whatever wrote them. */
  mapsAsObjects: true,
  /** msgpackr writes `undefined` as a fixext 1 of type 0, which other implementations do not know. */
  encodeUndefinedAsNil: true,
  /** No back-references (msgpackr's extensions 0x69 and 0x70), on the wire or accepted from a peer. */
  structuredClone: false,
  /** Typed arrays, sets and errors without msgpackr's tags: bin, arrays, arrays. */
  moreTypes: false,
  /** 64-bit integers decode as `BigInt`, so a `BigInt` comes back as itself. */
  int64AsType: "bigint",
  /** msgpackr writes an invalid `Date` as a private fixext; there is no timestamp for it: refuse. */
  onInvalidDate: () => {
    throw new TypeError("an invalid Date has no MessagePack timestamp");
  },
} as const;

/**
 * MessagePack messages (LAYERS.md section 1). One `Packr` per codec, reused for every message.
 * Encoding returns a view of msgpackr's write buffer, which it never writes again (it moves on or
 * allocates a new one), so the bytes stay valid after the next `encode`.
 */
export function msgpack<M>(): Codec<M> {
  const packr = new Packr(PLAIN_MESSAGEPACK);
  return {
    name: "msgpack",
    encode: (message) => packr.pack(message),
    decode: (data) => {
      const message: unknown = packr.unpack(plain(data));
      if (typeof message === "object" && message !== null && mayHoldNeverUsed(data) && holdsNeverUsed(message)) {
        throw new TypeError("0xc1 is never used in MessagePack");
      }
      return message as M;
    },
  };
}

/** The one byte MessagePack never uses. msgpackr decodes it as a marker object of its own, `C1`. */
const NEVER_USED = 0xc1;
/** Up to this size, a payload is scanned for the byte before its value is walked: cheaper for small messages. */
const SCAN_LIMIT = 256;

/** `false` when `data` cannot have produced the marker: a small payload without the byte. */
function mayHoldNeverUsed(data: Uint8Array): boolean {
  if (data.length > SCAN_LIMIT) return true;
  for (let i = 0; i < data.length; i++) if (data[i] === NEVER_USED) return true;
  return false;
}

/** Whether msgpackr's `C1` marker is anywhere in a decoded object: then the payload was not MessagePack. */
function holdsNeverUsed(value: object): boolean {
  if (value === C1) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "object" && item !== null && holdsNeverUsed(item)) return true;
    return false;
  }
  if (ArrayBuffer.isView(value) || value instanceof Date) return false;
  for (const item of Object.values(value))
    if (typeof item === "object" && item !== null && holdsNeverUsed(item)) return true;
  return false;
}

/**
 * `data` as a plain `Uint8Array`. Bins decode as views of the input, so from a Node `Buffer` they
 * would be `Buffer`s (whose `toJSON` differs): a message decodes to the same values in Node and in
 * the browser. A view of the same memory, not a copy.
 */
function plain(data: Uint8Array): Uint8Array {
  return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
