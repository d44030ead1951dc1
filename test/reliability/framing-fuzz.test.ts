/**
 * Fuzzes the framed-tcp decoder against a reference decoder written for clarity, not speed: valid
 * streams, corrupted ones, garbage, over-long prefixes and lengths far beyond the limit, each cut
 * at random points (single bytes, empty chunks, whole). The decoder must agree on every frame, on
 * the error and where it comes, and on the bytes it holds back.
 *
 * Cases are generated from a fixed seed, so a failure names the case that replays it.
 * More cases or another seed: `FUZZ_CASES=1000000 FUZZ_SEED=7 npx vitest run test/reliability/framing-fuzz`.
 */
import { describe, expect, it } from "vitest";
import { encodeVarint, FrameDecoder, MAX_PREFIX_BYTES } from "../../src/framing.js";
import { envInt, Prng } from "./prng.js";

const CASES = envInt("FUZZ_CASES", 20_000);
const SEED = envInt("FUZZ_SEED", 0x5eed);
const MiB = 1024 * 1024;

interface Outcome {
  frames: Uint8Array[];
  /** The error code that ends the stream, if any. */
  error: string | undefined;
  /** Bytes of the unfinished frame at the end of the stream, prefix included (0 after an error). */
  leftover: number;
}

/** The reference: the whole stream at once, one byte at a time, lengths as BigInt. */
function referenceDecode(stream: Uint8Array, maxMessageSize: number): Outcome {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < stream.length) {
    const start = at;
    let length = 0n;
    for (let i = 0; ; i++) {
      if (at === stream.length) return { frames, error: undefined, leftover: stream.length - start };
      const byte = stream[at++] as number;
      length |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (!(byte & 0x80)) break;
      if (i + 1 >= MAX_PREFIX_BYTES) return { frames, error: "PROTOCOL_ERROR", leftover: 0 };
    }
    if (length > BigInt(Math.min(maxMessageSize, Number.MAX_SAFE_INTEGER))) {
      return { frames, error: "MESSAGE_TOO_LARGE", leftover: 0 };
    }
    const size = Number(length);
    if (stream.length - at < size) return { frames, error: undefined, leftover: stream.length - start };
    frames.push(stream.slice(at, at + size));
    at += size;
  }
  return { frames, error: undefined, leftover: 0 };
}

/** The decoder under test, fed `chunks` until the first error, as a connection would. */
function decode(chunks: readonly Uint8Array[], maxMessageSize: number): Outcome {
  const decoder = new FrameDecoder(maxMessageSize);
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    const error = decoder.push(chunk, (frame) => frames.push(frame));
    if (error !== undefined) return { frames, error: error.code, leftover: 0 };
  }
  return { frames, error: undefined, leftover: decoder.buffered };
}

/** A prefix for `length`, sometimes padded to a non-minimal (still valid) encoding. */
function prefix(rng: Prng, length: number): Uint8Array {
  const minimal = encodeVarint(length);
  if (!rng.chance(0.1) || minimal.length >= MAX_PREFIX_BYTES) return minimal;
  const padded = Array.from(minimal);
  padded[padded.length - 1] = (padded.at(-1) as number) | 0x80;
  while (padded.length < rng.int(minimal.length + 1, MAX_PREFIX_BYTES - 1)) padded.push(0x80);
  padded.push(0x00);
  return Uint8Array.from(padded);
}

function validFrames(rng: Prng, count: number, maxMessageSize: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const cap = Math.min(maxMessageSize, rng.chance(0.05) ? 5000 : 300);
    const length = rng.int(0, cap);
    parts.push(prefix(rng, length), rng.bytes(length));
  }
  return parts;
}

/** A prefix of 10 bytes or more whose continuation bit never ends in time. */
function overlongPrefix(rng: Prng): Uint8Array {
  return Uint8Array.from({ length: rng.int(MAX_PREFIX_BYTES, 20) }, () => 0x80 | rng.int(0, 0x7f));
}

/** A valid prefix declaring far more than `maxMessageSize`, up to 2^63. */
function oversizePrefix(rng: Prng, maxMessageSize: number): Uint8Array {
  if (rng.chance(0.5)) {
    const bytes = Array.from({ length: MAX_PREFIX_BYTES - 1 }, () => 0x80 | rng.int(0, 0x7f));
    return Uint8Array.from([...bytes, rng.int(1, 0x7f)]);
  }
  const length = Math.min(maxMessageSize + rng.int(1, 2 ** 30), Number.MAX_SAFE_INTEGER);
  return encodeVarint(length);
}

function generate(rng: Prng, maxMessageSize: number): Uint8Array {
  const kind = rng.pick(["valid", "truncated", "corrupt", "garbage", "overlong", "oversize"] as const);
  const parts = validFrames(rng, rng.int(0, 12), maxMessageSize);
  if (kind === "garbage") return rng.bytes(rng.int(0, 2000));
  if (kind === "overlong") parts.push(overlongPrefix(rng), rng.bytes(rng.int(0, 50)));
  if (kind === "oversize") parts.push(oversizePrefix(rng, maxMessageSize), rng.bytes(rng.int(0, 50)));
  parts.push(...validFrames(rng, rng.int(0, 3), maxMessageSize));
  const stream = Buffer.concat(parts);
  if (kind === "truncated") return stream.subarray(0, rng.int(0, stream.length));
  if (kind === "corrupt")
    for (let i = rng.int(1, 5); i > 0 && stream.length > 0; i--) {
      stream[rng.int(0, stream.length - 1)] = rng.int(0, 255);
    }
  return stream;
}

/** Cuts `stream` the way a network might: whole, byte by byte, or at random points, empty chunks included. */
function split(rng: Prng, stream: Uint8Array): Uint8Array[] {
  const style = rng.int(0, 3);
  if (style === 0) return [stream];
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = style === 1 ? 1 : style === 2 ? rng.int(0, 16) : rng.int(0, 600);
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function sameFrames(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((frame, i) => Buffer.compare(frame, b[i] as Uint8Array) === 0);
}

describe("framed-tcp decoder fuzz", () => {
  it(
    `agrees with the reference decoder on ${CASES} generated streams (seed ${SEED})`,
    () => {
      const rng = new Prng(SEED);
      const limits = [0, 1, 127, 128, 300, 1000, 5000, 32 * MiB];
      const seen = { frames: 0, PROTOCOL_ERROR: 0, MESSAGE_TOO_LARGE: 0, leftover: 0 };
      for (let n = 0; n < CASES; n++) {
        const maxMessageSize = rng.pick(limits);
        const stream = generate(rng, maxMessageSize);
        const chunks = split(rng, stream);
        const expected = referenceDecode(stream, maxMessageSize);
        const actual = decode(chunks, maxMessageSize);
        const where = `case ${n} (FUZZ_SEED=${SEED}), limit ${maxMessageSize}, ${stream.length} bytes in ${chunks.length} chunks`;
        if (!sameFrames(actual.frames, expected.frames)) {
          expect.fail(`${where}: ${actual.frames.length} frames decoded, ${expected.frames.length} expected`);
        }
        if (actual.error !== expected.error || actual.leftover !== expected.leftover) {
          expect({ error: actual.error, leftover: actual.leftover }, where).toEqual({
            error: expected.error,
            leftover: expected.leftover,
          });
        }
        seen.frames += expected.frames.length;
        if (expected.error !== undefined) seen[expected.error as "PROTOCOL_ERROR"] += 1;
        if (expected.leftover > 0) seen.leftover += 1;
      }
      // The generator reached every outcome, so the agreement above means something.
      if (CASES >= 1000) {
        expect(seen.frames).toBeGreaterThan(CASES);
        expect(seen.PROTOCOL_ERROR).toBeGreaterThan(CASES / 20);
        expect(seen.MESSAGE_TOO_LARGE).toBeGreaterThan(CASES / 20);
        expect(seen.leftover).toBeGreaterThan(CASES / 20);
      }
    },
    30_000 + CASES,
  ); // about a quarter of a millisecond per case: a big FUZZ_CASES gets the time it needs

  it("allocates nothing for a declared length, only for bytes received", () => {
    // Within a 1 GiB limit, a peer declares 1 GiB and sends 1 KiB: the decoder holds about 1 KiB.
    const decoder = new FrameDecoder(1024 * MiB);
    const before = process.memoryUsage().arrayBuffers;
    const chunk = Buffer.concat([encodeVarint(1024 * MiB), Buffer.alloc(1024, 7)]);
    expect(decoder.push(chunk, () => expect.fail("no frame is complete"))).toBeUndefined();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * MiB);
    expect(decoder.buffered).toBe(chunk.length);

    // Beyond the limit, the prefix alone is refused: no payload byte is waited for.
    const strict = new FrameDecoder(32 * MiB);
    const huge = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(strict.push(huge, () => expect.fail("no frame"))?.code).toBe("MESSAGE_TOO_LARGE");
  });
});
