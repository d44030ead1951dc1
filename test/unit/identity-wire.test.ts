/** The handshake's bytes as docs/handshake.md spells them. */
import { describe, expect, it } from "vitest";
import {
  decodeHello,
  encodeClose,
  encodeData,
  encodeHello,
  encodePing,
  encodeReject,
  Tag,
} from "../../src/layer/identity/wire.js";

const utf8 = new TextEncoder();
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");

describe("the handshake's frames", () => {
  it("writes the documented examples", () => {
    expect(hex(encodeHello(utf8.encode("c1"), utf8.encode("hi"), false))).toBe("01 4d 49 01 01 02 63 31 68 69");
    expect(hex(encodeHello(utf8.encode("server-1"), undefined, true))).toBe(
      "01 4d 49 01 02 08 73 65 72 76 65 72 2d 31",
    );
    expect(hex(encodePing(Tag.Ping, 258))).toBe("04 00 00 01 02");
    expect(hex(encodeReject("no"))).toBe("03 6e 6f");
    expect(hex(encodeClose(1, "x"))).toBe("06 01 78");
    expect(hex(encodeData(new Uint8Array([9])))).toBe("00 09");
  });

  it("reads back what it writes, an empty hello apart from no hello", () => {
    const id = utf8.encode("é".repeat(127));
    expect(decodeHello(encodeHello(id, new Uint8Array(0), true))).toEqual({
      id: "é".repeat(127),
      hello: new Uint8Array(0),
      fromAcceptor: true,
    });
    expect(decodeHello(encodeHello(id, undefined, false)).hello).toBeUndefined();
  });

  it("refuses what is not a hello with PROTOCOL_ERROR", () => {
    const bad = [
      new Uint8Array([1, 0x4d, 0x49, 2, 0, 1, 0x61]), // version 2
      new Uint8Array([1, 0x4d, 0x48, 1, 0, 1, 0x61]), // wrong magic
      new Uint8Array([1, 0x4d, 0x49, 1, 0, 0]), // an empty id
      new Uint8Array([1, 0x4d, 0x49, 1, 0, 5, 0x61]), // shorter than its id
      new Uint8Array([1, 0x4d, 0x49, 1, 0, 1, 0x61, 0x62]), // trailing bytes without the hello flag
      new Uint8Array([1, 0x4d, 0x49, 1, 0, 0x80, 0x80, 0x80, 0x80]), // a runaway varint
      new Uint8Array([1, 0x4d, 0x49, 1, 0, 0x80, 0x02, ...new Uint8Array(256).fill(0x61)]), // 256 bytes
      encodeHello(utf8.encode("x"), new Uint8Array(64 * 1024), false), // over 64 KiB
    ];
    for (const frame of bad)
      expect(() => decodeHello(frame)).toThrow(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
});
