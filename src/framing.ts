/**
 * The framed-tcp wire format (WIRE.md): `varint(length) ++ payload`, the length as unsigned LEB128,
 * at most 10 bytes, wire-compatible with the Rust crate message-io.
 */
import { ErrorCode, NetError } from "./errors.js";

/** The longest prefix the wire allows (a u64 in LEB128). */
export const MAX_PREFIX_BYTES = 10;

/** The prefix for a payload of `length` bytes. */
export function encodeVarint(length: number): Uint8Array {
  const out = new Uint8Array(varintSize(length));
  writeVarint(length, out, 0);
  return out;
}

/** How many bytes the prefix of `length` takes. */
export function varintSize(length: number): number {
  let size = 1;
  for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 0x80)) size += 1;
  return size;
}

/** Writes the prefix of `length` into `out` at `offset`; returns the offset after it. */
export function writeVarint(length: number, out: Uint8Array, offset: number): number {
  let rest = length;
  let at = offset;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
}

/**
 * Splits a byte stream into frames. Frames that lie whole inside a received chunk are handed out as
 * views of it (no copy); a frame spread over several chunks is copied once, when its last byte
 * arrives. Memory grows with the bytes received, never with a declared length.
 */
export class FrameDecoder {
  /** The prefix being read, byte by byte when it is split across chunks. */
  private prefixValue = 0;
  private prefixScale = 1;
  private prefixBytes = 0;
  /** The frame being assembled across chunks: its declared size and the parts received so far. */
  private expected = -1;
  private parts: Uint8Array[] = [];
  private received = 0;
  /** The size of the prefix of the frame being assembled, so `buffered` counts it. */
  private framePrefix = 0;

  constructor(private readonly maxMessageSize: number) {}

  /** Bytes of an unfinished frame (prefix included) held back, for partial-frame timeouts. */
  get buffered(): number {
    return this.prefixBytes + this.framePrefix + this.received;
  }

  /**
   * Feeds one chunk, calling `onFrame` for every complete frame in order. Returns a `NetError` when
   * the stream is malformed (the connection must then end), else `undefined`.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): NetError | undefined {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.expected < 0) {
        // Fast path: a whole prefix and frame inside the chunk, from a clean state.
        if (this.prefixBytes === 0) {
          let value = 0;
          let scale = 1;
          let i = at;
          let byte = 0x80;
          while (i < end && i - at < MAX_PREFIX_BYTES && byte & 0x80) {
            byte = chunk[i++] as number;
            value += (byte & 0x7f) * scale;
            scale *= 0x80;
          }
          if (!(byte & 0x80)) {
            const error = this.checkLength(value);
            if (error) return error;
            if (end - i >= value) {
              onFrame(chunk.subarray(i, i + value));
              at = i + value;
              continue;
            }
            this.startFrame(value, i - at);
            at = i;
            continue;
          }
          if (i - at >= MAX_PREFIX_BYTES) return tooLongPrefix();
        }
        // Slow path: the prefix is split across chunks; take one byte at a time.
        const byte = chunk[at++] as number;
        this.prefixValue += (byte & 0x7f) * this.prefixScale;
        this.prefixScale *= 0x80;
        this.prefixBytes += 1;
        if (byte & 0x80) {
          if (this.prefixBytes >= MAX_PREFIX_BYTES) return tooLongPrefix();
          continue;
        }
        const error = this.checkLength(this.prefixValue);
        if (error) return error;
        this.startFrame(this.prefixValue, this.prefixBytes);
        this.prefixValue = 0;
        this.prefixScale = 1;
        this.prefixBytes = 0;
        if (this.expected === 0) this.finishFrame(onFrame);
        continue;
      }
      const take = Math.min(this.expected - this.received, end - at);
      this.parts.push(chunk.subarray(at, at + take));
      this.received += take;
      at += take;
      if (this.received === this.expected) this.finishFrame(onFrame);
    }
    return undefined;
  }

  private checkLength(length: number): NetError | undefined {
    if (length <= this.maxMessageSize) return undefined;
    return new NetError(
      ErrorCode.MessageTooLarge,
      `the peer announced a ${length}-byte message; the limit is ${this.maxMessageSize}`,
    );
  }

  private startFrame(length: number, prefixSize: number): void {
    this.expected = length;
    this.received = 0;
    this.framePrefix = prefixSize;
  }

  private finishFrame(onFrame: (frame: Uint8Array) => void): void {
    const parts = this.parts;
    this.parts = [];
    this.expected = -1;
    this.received = 0;
    this.framePrefix = 0;
    onFrame(parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function tooLongPrefix(): NetError {
  return new NetError(ErrorCode.ProtocolError, `a length prefix longer than ${MAX_PREFIX_BYTES} bytes`);
}
