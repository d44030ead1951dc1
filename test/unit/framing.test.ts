import { NetError } from "message-io";
import { describe, expect, it } from "vitest";
import { encodeVarint, FrameDecoder, MAX_PREFIX_BYTES, varintSize, writeVarint } from "../../src/framing.js";

const MiB = 1024 * 1024;

/** WIRE.md's examples: payload length -> prefix bytes. */
const WIRE_EXAMPLES: [number, number[]][] = [
  [0, [0x00]],
  [1, [0x01]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [300, [0xac, 0x02]],
  [1000, [0xe8, 0x07]],
  [70000, [0xf0, 0xa2, 0x04]],
];

/** A reference LEB128 decoder on BigInt, independent of the code under test. */
function decodeReference(bytes: Uint8Array): { value: bigint; size: number } {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (!(byte & 0x80)) return { value, size: i + 1 };
  }
  throw new Error("unterminated varint");
}

function payload(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function frame(data: Uint8Array): Uint8Array {
  return concat([encodeVarint(data.length), data]);
}

/** Feeds `chunks` to a fresh decoder; fails the test on any error. */
function decodeAll(chunks: readonly Uint8Array[], maxMessageSize = 32 * MiB): Uint8Array[] {
  const decoder = new FrameDecoder(maxMessageSize);
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    const error = decoder.push(chunk, (f) => frames.push(f));
    if (error !== undefined) throw error;
  }
  expect(decoder.buffered).toBe(0);
  return frames;
}

function expectFrames(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    // Compare as plain arrays: a mismatch then names the frame and the byte.
    expect(Array.from(actual[i] as Uint8Array), `frame ${i}`).toEqual(Array.from(expected[i] as Uint8Array));
  }
}

describe("varint encoding", () => {
  it.each(WIRE_EXAMPLES)("encodes length %i as WIRE.md says", (length, bytes) => {
    expect(Array.from(encodeVarint(length))).toEqual(bytes);
    expect(varintSize(length)).toBe(bytes.length);
  });

  it("agrees with a reference decoder at every 7-bit boundary up to 2^53", () => {
    const values = [0, 1, 2, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000, 2 ** 31, 2 ** 32, 2 ** 53 - 1];
    for (let bits = 7; bits <= 49; bits += 7) values.push(2 ** bits - 1, 2 ** bits, 2 ** bits + 1);
    for (const value of values) {
      const bytes = encodeVarint(value);
      expect(decodeReference(bytes), `value ${value}`).toEqual({ value: BigInt(value), size: bytes.length });
      expect(varintSize(value)).toBe(bytes.length);
      expect(bytes.length).toBeLessThanOrEqual(MAX_PREFIX_BYTES);
      // Canonical: the last byte carries the high bits, so it is zero only for the value 0.
      if (value > 0) expect(bytes[bytes.length - 1]).not.toBe(0);
    }
    expect(varintSize(2 ** 53 - 1)).toBe(8);
  });

  it("writes at an offset, returns the offset after the prefix and touches nothing else", () => {
    const out = new Uint8Array(8).fill(0xee);
    expect(writeVarint(70000, out, 2)).toBe(5);
    expect(Array.from(out)).toEqual([0xee, 0xee, 0xf0, 0xa2, 0x04, 0xee, 0xee, 0xee]);
    expect(writeVarint(0, out, 7)).toBe(8);
    expect(out[7]).toBe(0);
  });
});

describe("FrameDecoder", () => {
  it.each(WIRE_EXAMPLES)("decodes the WIRE.md prefix of length %i", (length, prefix) => {
    const data = payload(length, length);
    const frames = decodeAll([concat([Uint8Array.from(prefix), data])]);
    expectFrames(frames, [data]);
  });

  it.each(WIRE_EXAMPLES)("decodes the WIRE.md prefix of length %i fed one byte at a time", (length, prefix) => {
    const data = payload(length, length);
    const stream = concat([Uint8Array.from(prefix), data]);
    const chunks = Array.from(stream, (byte) => Uint8Array.of(byte));
    expectFrames(decodeAll(chunks), [data]);
  });

  describe("a stream of several frames", () => {
    const sizes = [0, 1, 127, 128, 0, 300, 5000, 0, 3, 1000];
    const messages = sizes.map((size, i) => payload(size, i + 1));
    const stream = concat(messages.map(frame));

    it("decodes from one chunk, every frame a view of it", () => {
      const frames = decodeAll([stream]);
      expectFrames(frames, messages);
      let at = 0;
      for (const [i, f] of frames.entries()) {
        at += varintSize(sizes[i] as number);
        expect(f.buffer, `frame ${i}`).toBe(stream.buffer);
        expect(f.byteOffset, `frame ${i}`).toBe(at);
        at += f.length;
      }
    });

    it("gives the same frames split in two at every byte position", () => {
      for (let cut = 0; cut <= stream.length; cut++) {
        const frames = decodeAll([stream.subarray(0, cut), stream.subarray(cut)]);
        expect(frames.length, `cut at ${cut}`).toBe(messages.length);
        for (let i = 0; i < messages.length; i++) {
          expect(Buffer.compare(frames[i] as Uint8Array, messages[i] as Uint8Array), `cut at ${cut}, frame ${i}`).toBe(
            0,
          );
        }
      }
    });

    /** Offsets just past the last byte of each frame. */
    const ends: number[] = [];
    for (let at = 0, i = 0; i < sizes.length; i++) {
      at += varintSize(sizes[i] as number) + (sizes[i] as number);
      ends.push(at);
    }
    const completeBefore = (offset: number) => ends.filter((end) => end <= offset).length;

    it("gives the same frames fed one byte at a time, each as soon as its last byte arrives", () => {
      const decoder = new FrameDecoder(32 * MiB);
      const frames: Uint8Array[] = [];
      for (let at = 0; at < stream.length; at++) {
        expect(decoder.push(stream.subarray(at, at + 1), (f) => frames.push(f))).toBeUndefined();
        expect(frames.length, `after byte ${at}`).toBe(completeBefore(at + 1));
      }
      expectFrames(frames, messages);
    });

    it("delivers every frame complete in the first piece of a split before the second arrives", () => {
      for (let cut = 0; cut <= stream.length; cut++) {
        const decoder = new FrameDecoder(32 * MiB);
        let delivered = 0;
        decoder.push(stream.subarray(0, cut), () => delivered++);
        expect(delivered, `cut at ${cut}`).toBe(completeBefore(cut));
      }
    });

    it("gives the same frames in three pieces at many positions", () => {
      // Every pair of cuts around each prefix boundary: where split prefixes and payloads meet.
      const boundaries: number[] = [];
      let at = 0;
      for (const size of sizes) {
        boundaries.push(at, at + 1, at + varintSize(size));
        at += varintSize(size) + size;
      }
      for (const first of boundaries) {
        for (const second of boundaries) {
          if (second < first) continue;
          const chunks = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)];
          const frames = decodeAll(chunks);
          expect(frames.length, `cuts ${first}/${second}`).toBe(messages.length);
          for (let i = 0; i < messages.length; i++) {
            expect(Buffer.compare(frames[i] as Uint8Array, messages[i] as Uint8Array), `frame ${i}`).toBe(0);
          }
        }
      }
    });

    it("never changes a frame it delivered while later chunks arrive", () => {
      // Snapshot each frame when it is delivered; at the end every frame must still equal its snapshot.
      const decoder = new FrameDecoder(32 * MiB);
      const frames: Uint8Array[] = [];
      const copies: Uint8Array[] = [];
      for (let at = 0; at < stream.length; at += 97) {
        const chunk = stream.slice(at, at + 97);
        const before = frames.length;
        expect(decoder.push(chunk, (f) => frames.push(f))).toBeUndefined();
        for (const f of frames.slice(before)) copies.push(f.slice());
      }
      expectFrames(copies, messages);
      expectFrames(frames, copies);
    });
  });

  it("delivers many frames from one chunk, in order", () => {
    const messages = Array.from({ length: 1000 }, (_, i) => payload(i % 7, i));
    const frames = decodeAll([concat(messages.map(frame))]);
    expectFrames(frames, messages);
  });

  it("delivers an empty frame as an empty message", () => {
    const frames = decodeAll([Uint8Array.of(0x00, 0x00)]);
    expect(frames.map((f) => f.length)).toEqual([0, 0]);
  });

  it("copies a frame spread over several chunks into one array", () => {
    const data = payload(300, 9);
    const stream = frame(data);
    const first = stream.slice(0, 100);
    const second = stream.slice(100);
    const frames = decodeAll([first, second]);
    expectFrames(frames, [data]);
    expect(frames[0]?.buffer).not.toBe(first.buffer);
    expect(frames[0]?.buffer).not.toBe(second.buffer);
  });

  it("hands out a payload that arrives whole in one chunk, after its prefix, as a view of that chunk", () => {
    const data = payload(300, 4);
    const prefix = encodeVarint(data.length);
    const frames = decodeAll([prefix.slice(), data]);
    expectFrames(frames, [data]);
    expect(frames[0]?.buffer).toBe(data.buffer);
  });

  it("decodes non-canonical (zero-padded) prefixes split anywhere, delivering each frame at once", () => {
    const stream = Uint8Array.of(0x80, 0x00, 0x85, 0x80, 0x00, 1, 2, 3, 4, 5, 0x81, 0x00, 9);
    const expected = [new Uint8Array(0), Uint8Array.of(1, 2, 3, 4, 5), Uint8Array.of(9)];
    const ends = [2, 10, 13];
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(1000);
      const frames: Uint8Array[] = [];
      expect(decoder.push(stream.subarray(0, cut), (f) => frames.push(f))).toBeUndefined();
      expect(frames.length, `cut at ${cut}`).toBe(ends.filter((end) => end <= cut).length);
      expect(decoder.push(stream.subarray(cut), (f) => frames.push(f))).toBeUndefined();
      expectFrames(frames, expected);
    }
    const decoder = new FrameDecoder(1000);
    const frames: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at++) {
      expect(decoder.push(stream.subarray(at, at + 1), (f) => frames.push(f))).toBeUndefined();
      expect(frames.length, `after byte ${at}`).toBe(ends.filter((end) => end <= at + 1).length);
    }
    expectFrames(frames, expected);
  });

  it("reports how many bytes of an unfinished frame it holds", () => {
    const decoder = new FrameDecoder(1000);
    const stream = frame(payload(300, 1));
    expect(decoder.push(stream.subarray(0, 1), () => {})).toBeUndefined();
    expect(decoder.buffered).toBe(1);
    expect(decoder.push(stream.subarray(1, 50), () => {})).toBeUndefined();
    expect(decoder.buffered).toBe(50); // the 2-byte prefix and 48 payload bytes
  });

  describe("malformed prefixes", () => {
    const elevenBytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];

    it("rejects a prefix longer than 10 bytes with PROTOCOL_ERROR, in one chunk", () => {
      const decoder = new FrameDecoder(Number.POSITIVE_INFINITY);
      const frames: Uint8Array[] = [];
      const error = decoder.push(Uint8Array.from(elevenBytes), (f) => frames.push(f));
      expect(error).toBeInstanceOf(NetError);
      expect(error?.code).toBe("PROTOCOL_ERROR");
      expect(frames).toEqual([]);
    });

    it("rejects a prefix longer than 10 bytes with PROTOCOL_ERROR, one byte at a time", () => {
      const decoder = new FrameDecoder(Number.POSITIVE_INFINITY);
      const results = elevenBytes.map((byte) => decoder.push(Uint8Array.of(byte), () => {}));
      // The 10th byte still asks for more: that is already one too many.
      expect(results.slice(0, 9)).toEqual(Array(9).fill(undefined));
      expect(results[9]).toBeInstanceOf(NetError);
      expect(results[9]?.code).toBe("PROTOCOL_ERROR");
    });

    it("delivers the good frames before a bad prefix in the same chunk", () => {
      const decoder = new FrameDecoder(Number.POSITIVE_INFINITY);
      const frames: Uint8Array[] = [];
      const error = decoder.push(concat([frame(Uint8Array.of(1, 2)), Uint8Array.from(elevenBytes)]), (f) =>
        frames.push(f),
      );
      expect(error?.code).toBe("PROTOCOL_ERROR");
      expectFrames(frames, [Uint8Array.of(1, 2)]);
    });

    it("accepts a 10-byte prefix whose value fits", () => {
      const prefix = [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]; // 5, padded to 10 bytes
      expect(prefix.length).toBe(MAX_PREFIX_BYTES);
      const data = Uint8Array.of(9, 8, 7, 6, 5);
      const stream = concat([Uint8Array.from(prefix), data]);
      expectFrames(decodeAll([stream], 1000), [data]);
      expectFrames(
        decodeAll(
          Array.from(stream, (byte) => Uint8Array.of(byte)),
          1000,
        ),
        [data],
      );
    });
  });

  describe("maxMessageSize", () => {
    it("accepts a frame of exactly maxMessageSize", () => {
      const data = payload(1000, 3);
      expectFrames(decodeAll([frame(data)], 1000), [data]);
    });

    it("returns MESSAGE_TOO_LARGE as soon as the prefix is read, before any payload", () => {
      const decoder = new FrameDecoder(1000);
      const error = decoder.push(encodeVarint(1001), () => {});
      expect(error).toBeInstanceOf(NetError);
      expect(error?.code).toBe("MESSAGE_TOO_LARGE");
    });

    it("returns MESSAGE_TOO_LARGE on the last byte of a split prefix", () => {
      const decoder = new FrameDecoder(1000);
      const prefix = encodeVarint(70000);
      expect(decoder.push(prefix.subarray(0, 1), () => {})).toBeUndefined();
      expect(decoder.push(prefix.subarray(1, 2), () => {})).toBeUndefined();
      expect(decoder.push(prefix.subarray(2), () => {})?.code).toBe("MESSAGE_TOO_LARGE");
    });

    it("never waits for nor holds a huge declared length", () => {
      // 2^62 bytes declared: an implementation that allocated or waited would fail or hang here.
      const decoder = new FrameDecoder(32 * MiB);
      const prefix = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40);
      const error = decoder.push(concat([prefix, Uint8Array.of(1, 2, 3)]), () => {});
      expect(error?.code).toBe("MESSAGE_TOO_LARGE");
    });

    it("returns MESSAGE_TOO_LARGE for a frame after good ones in the same chunk, having delivered those", () => {
      const decoder = new FrameDecoder(10);
      const frames: Uint8Array[] = [];
      const stream = concat([frame(Uint8Array.of(1)), encodeVarint(11)]);
      expect(decoder.push(stream, (f) => frames.push(f))?.code).toBe("MESSAGE_TOO_LARGE");
      expectFrames(frames, [Uint8Array.of(1)]);
    });
  });
});
