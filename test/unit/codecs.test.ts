/**
 * The built-in codecs on their own: what round-trips, what refuses to encode (the caller's bug) or
 * to decode (the peer's fault), and that `msgpack()` writes plain MessagePack: the official
 * JavaScript implementation (@msgpack/msgpack, strict about the spec, and which gives an `ExtData`
 * for any extension it does not know) reads it back unchanged, and what it writes decodes unchanged.
 */
import { decode as referenceDecode, encode as referenceEncode } from "@msgpack/msgpack";
import { json, msgpack, text } from "message-io";
import { describe, expect, it } from "vitest";

/** A message of every kind `msgpack` maps to plain MessagePack. */
const everyKind = () => ({
  nil: null,
  yes: true,
  no: false,
  small: 7,
  negative: -33,
  int32: 2_000_000_000,
  float: 1.25,
  pi: Math.PI,
  text: "héllo ✓ 🌍",
  empty: "",
  list: [1, "two", [3], { four: 4 }],
  nested: { a: { b: { c: [] as unknown[] } } },
  bytes: new Uint8Array([0, 1, 127, 128, 255]),
  noBytes: new Uint8Array(0),
  when: new Date(Date.UTC(2026, 11, 2, 7, 30, 15, 123)),
  wholeSeconds: new Date(Date.UTC(2026, 0, 1)),
  beforeEpoch: new Date(Date.UTC(1960, 5, 1, 12, 0, 0, 5)),
  big: 2n ** 62n,
  negativeBig: -(2n ** 63n),
});

describe("msgpack()", () => {
  const codec = msgpack<unknown>();

  it("round-trips every kind of value: nil, booleans, numbers, strings, arrays, maps, bin, timestamps, 64-bit integers", () => {
    const message = everyKind();
    const decoded = codec.decode(codec.encode(message)) as ReturnType<typeof everyKind>;
    expect(decoded).toEqual(message);
    expect(decoded.bytes.constructor).toBe(Uint8Array); // not a Node Buffer: the same values on every platform
    expect(decoded.when).toBeInstanceOf(Date);
    expect(typeof decoded.big).toBe("bigint");
  });

  it("is read back unchanged by another implementation, which finds no extension but the timestamp", () => {
    const message = everyKind();
    // A copy as a plain Uint8Array: from a Node Buffer, the reference's bins would be Buffers.
    const read = referenceDecode(Uint8Array.from(codec.encode(message)), { useBigInt64: true }) as ReturnType<
      typeof everyKind
    >;
    // Any msgpackr-specific extension or record would decode there as an ExtData or fail.
    expect(read).toEqual(message);
    expect(read.bytes).toBeInstanceOf(Uint8Array);
    expect(read.when).toBeInstanceOf(Date);
  });

  it("decodes what another implementation writes", () => {
    const message = everyKind();
    expect(codec.decode(referenceEncode(message, { useBigInt64: true }))).toEqual(message);
  });

  it("writes a Date as the standard timestamp extension -1 and a BigInt as a 64-bit integer", () => {
    const seconds = 1_700_000_000;
    expect(Array.from(codec.encode(new Date(seconds * 1000)))).toEqual([0xd6, 0xff, 0x65, 0x53, 0xf1, 0x00]);
    expect(Array.from(codec.encode(5n))).toEqual([0xd3, 0, 0, 0, 0, 0, 0, 0, 5]);
  });

  it("writes Maps and objects as maps, decoded as plain objects; undefined as nil; typed arrays as their bytes", () => {
    const decoded = codec.decode(
      codec.encode({ map: new Map<string, unknown>([["k", 1]]), gone: undefined, floats: new Float32Array([1.5]) }),
    );
    expect(decoded).toEqual({ map: { k: 1 }, gone: null, floats: new Uint8Array(new Float32Array([1.5]).buffer) });
    expect(Object.getPrototypeOf((decoded as { map: object }).map)).toBe(Object.prototype);
    expect(referenceDecode(codec.encode(new Set([1, 2])))).toEqual([1, 2]);
  });

  it("refuses what plain MessagePack cannot say: an invalid Date, a BigInt past 64 bits, a symbol", () => {
    expect(() => codec.encode(new Date(Number.NaN))).toThrow(/invalid Date/);
    expect(() => codec.encode(2n ** 64n)).toThrow(RangeError);
    expect(() => codec.encode(Symbol("x"))).toThrow();
  });

  it("keeps every encoded message intact while the next ones are encoded (its write buffer is shared)", () => {
    const first = codec.encode({ n: 1, text: "first" });
    const copy = Uint8Array.from(first);
    for (let i = 0; i < 2000; i++) codec.encode({ n: i, filler: "x".repeat(i % 300) });
    expect(Array.from(first)).toEqual(Array.from(copy));
  });

  it("does not decode a truncated message, trailing bytes, an empty payload or an unknown extension", () => {
    const whole = codec.encode([1, 2, 3]);
    for (const garbage of [
      whole.subarray(0, whole.length - 1),
      Uint8Array.of(1, 2),
      new Uint8Array(0),
      Uint8Array.of(0xd4, 5, 0),
    ]) {
      expect(() => codec.decode(garbage)).toThrow();
    }
  });

  it("does not decode 0xc1, the byte MessagePack never uses, wherever it stands; the byte inside a value is fine", () => {
    for (const garbage of [
      Uint8Array.of(0xc1),
      Uint8Array.of(0x92, 0x01, 0xc1), // [1, never-used]
      Uint8Array.of(0x81, 0xa1, 0x61, 0x91, 0xc1), // { a: [never-used] }
    ]) {
      expect(() => codec.decode(garbage), Array.from(garbage).join(",")).toThrow(/0xc1/);
    }
    const holdingTheByte = { bin: Uint8Array.of(0xc1), n: 0xc1, list: [0xc1, 0xc1c1] };
    expect(codec.decode(codec.encode(holdingTheByte))).toEqual(holdingTheByte);
  });

  it("is one codec per call, each with its own encoder", () => {
    const a = msgpack<number>();
    const b = msgpack<number>();
    expect(a).not.toBe(b);
    expect(b.decode(a.encode(42))).toBe(42);
    expect(a.name).toBe("msgpack");
  });
});

describe("json()", () => {
  const codec = json<unknown>();

  it("round-trips JSON values as UTF-8", () => {
    const message = { t: "chat", text: "héllo ✓ 🌍", n: [1, 2.5, null, true] };
    const bytes = codec.encode(message);
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(message));
    expect(codec.decode(bytes)).toEqual(message);
  });

  it("refuses to encode what JSON cannot hold: undefined, a BigInt, a cycle", () => {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    for (const value of [undefined, 1n, cycle]) expect(() => codec.encode(value)).toThrow(TypeError);
  });

  it("does not decode invalid JSON or invalid UTF-8", () => {
    expect(() => codec.decode(new TextEncoder().encode("{nope"))).toThrow(SyntaxError);
    expect(() => codec.decode(Uint8Array.of(0x22, 0xff, 0x22))).toThrow(TypeError);
  });
});

describe("text()", () => {
  const codec = text();

  it("round-trips strings as UTF-8, a leading byte order mark included", () => {
    for (const message of ["", "héllo ✓ 🌍", "\uFEFFwith a BOM"]) {
      const bytes = codec.encode(message);
      expect(bytes).toEqual(new TextEncoder().encode(message));
      expect(codec.decode(bytes)).toBe(message);
    }
  });

  it("does not decode invalid UTF-8 (no silent U+FFFD)", () => {
    for (const garbage of [Uint8Array.of(0xff), Uint8Array.of(0xc3), Uint8Array.of(0xed, 0xa0, 0x80)]) {
      expect(() => codec.decode(garbage)).toThrow(TypeError);
    }
  });

  it("encodes only strings", () => {
    expect(() => codec.encode(42 as unknown as string)).toThrow(/strings, not a number/);
  });
});
