/**
 * The messages of message-io's ping-pong example, byte for byte: bincode of its two Rust enums, a
 * u32 little-endian variant index followed by the fields. So our client can ping the Rust server
 * and the Rust client can ping ours (WIRE.md, "The ping-pong example's messages").
 */

/** What a server answers: the client's own ping count, or "pong" when it keeps no count for it (udp). */
export type FromServer = { readonly kind: "pong"; readonly count: bigint } | { readonly kind: "unknown-pong" };

const VARIANT_BYTES = 4;
const PING = 0;
const PONG = 0;
const UNKNOWN_PONG = 1;
/** A variant index, then a Rust `usize`, which bincode writes as a u64. */
const PONG_BYTES = VARIANT_BYTES + 8;

/** `FromClientMessage::Ping`: `00 00 00 00`. */
export function encodePing(): Uint8Array {
  return variant(PING, VARIANT_BYTES);
}

export function isPing(data: Uint8Array): boolean {
  return data.length === VARIANT_BYTES && readVariant(data) === PING;
}

/** `FromServerMessage::Pong(count)`: `00 00 00 00` then the count as a u64, little endian. */
export function encodePong(count: number): Uint8Array {
  const bytes = variant(PONG, PONG_BYTES);
  new DataView(bytes.buffer).setBigUint64(VARIANT_BYTES, BigInt(count), true);
  return bytes;
}

/** `FromServerMessage::UnknownPong`: `01 00 00 00`. */
export function encodeUnknownPong(): Uint8Array {
  return variant(UNKNOWN_PONG, VARIANT_BYTES);
}

/** The server's answer, or `undefined` for bytes that are not one. */
export function decodeFromServer(data: Uint8Array): FromServer | undefined {
  if (data.length === PONG_BYTES && readVariant(data) === PONG) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return { kind: "pong", count: view.getBigUint64(VARIANT_BYTES, true) };
  }
  if (data.length === VARIANT_BYTES && readVariant(data) === UNKNOWN_PONG) return { kind: "unknown-pong" };
  return undefined;
}

function variant(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, index, true);
  return bytes;
}

function readVariant(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
}
