/**
 * The handshake's bytes (docs/handshake.md). Every frame starts with a tag byte; on a transport
 * without a side channel user messages travel as `DATA` frames beside the control frames, on one
 * with a side channel (`Connection.sendControl`) user messages travel untagged and only the control
 * frames go on the side channel.
 */
import { ErrorCode, NetError } from "../../errors.js";
import { varintSize, writeVarint } from "../../framing.js";

export const Tag = {
  Data: 0x00,
  Hello: 0x01,
  Accept: 0x02,
  Reject: 0x03,
  Ping: 0x04,
  Pong: 0x05,
  Close: 0x06,
} as const;

/** "MI": tells a hello from a message of a peer without identity that happens to start with 0x01. */
const MAGIC_0 = 0x4d;
const MAGIC_1 = 0x49;
export const HANDSHAKE_VERSION = 1;
const FLAG_HAS_HELLO = 0x01;
/** Set by the accepting side: a connector never takes its own hello echoed back for the peer's. */
const FLAG_FROM_ACCEPTOR = 0x02;

/** The largest HELLO frame, header included: a bigger one ends the connection (`PROTOCOL_ERROR`). */
export const MAX_HELLO_FRAME = 64 * 1024;
/** The longest reason a REJECT or CLOSE carries, in UTF-8 bytes: longer ones are cut. */
export const MAX_REASON_BYTES = 1024;
/** An id's limit, in UTF-8 bytes. */
export const MAX_ID_BYTES = 255;

/** What a CLOSE frame says, as one byte. */
export const CloseCode = { Replaced: 1, Timeout: 2 } as const;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder();

export interface Hello {
  readonly id: string;
  /** The hello's bytes, `undefined` when the peer sent none. */
  readonly hello: Uint8Array | undefined;
  readonly fromAcceptor: boolean;
}

export function encodeHello(id: Uint8Array, hello: Uint8Array | undefined, fromAcceptor: boolean): Uint8Array {
  const helloLength = hello?.length ?? 0;
  const out = new Uint8Array(5 + varintSize(id.length) + id.length + helloLength);
  out[0] = Tag.Hello;
  out[1] = MAGIC_0;
  out[2] = MAGIC_1;
  out[3] = HANDSHAKE_VERSION;
  out[4] = (hello === undefined ? 0 : FLAG_HAS_HELLO) | (fromAcceptor ? FLAG_FROM_ACCEPTOR : 0);
  let at = writeVarint(id.length, out, 5);
  out.set(id, at);
  at += id.length;
  if (hello !== undefined) out.set(hello, at);
  return out;
}

/** Parses a HELLO frame; throws `PROTOCOL_ERROR` for anything else (the caller checked the tag). */
export function decodeHello(frame: Uint8Array): Hello {
  if (frame.length > MAX_HELLO_FRAME)
    throw protocolError(`a hello of ${frame.length} bytes (the limit is ${MAX_HELLO_FRAME})`);
  if (frame.length < 6 || frame[1] !== MAGIC_0 || frame[2] !== MAGIC_1) throw protocolError("not a hello");
  if (frame[3] !== HANDSHAKE_VERSION)
    throw protocolError(`handshake version ${frame[3]} (this one speaks ${HANDSHAKE_VERSION})`);
  const flags = frame[4] as number;
  let idLength = 0;
  let scale = 1;
  let at = 5;
  for (;;) {
    if (at >= frame.length || at > 7) throw protocolError("a hello with a malformed id length");
    const byte = frame[at++] as number;
    idLength += (byte & 0x7f) * scale;
    scale *= 0x80;
    if (byte < 0x80) break;
  }
  if (idLength === 0 || idLength > MAX_ID_BYTES)
    throw protocolError(`a hello whose id has ${idLength} bytes (1-${MAX_ID_BYTES})`);
  if (at + idLength > frame.length) throw protocolError("a hello shorter than its id");
  let id: string;
  try {
    id = strictUtf8.decode(frame.subarray(at, at + idLength));
  } catch {
    throw protocolError("a hello whose id is not UTF-8");
  }
  at += idLength;
  const hasHello = (flags & FLAG_HAS_HELLO) !== 0;
  if (!hasHello && at !== frame.length) throw protocolError("a hello with trailing bytes");
  return { id, hello: hasHello ? frame.subarray(at) : undefined, fromAcceptor: (flags & FLAG_FROM_ACCEPTOR) !== 0 };
}

export const ACCEPT_FRAME = new Uint8Array([Tag.Accept]);

/** A tag byte followed by a reason, cut to `MAX_REASON_BYTES`. */
function withReason(header: readonly number[], reason: string): Uint8Array {
  const text = utf8.encode(reason);
  const kept = text.length > MAX_REASON_BYTES ? text.subarray(0, MAX_REASON_BYTES) : text;
  const out = new Uint8Array(header.length + kept.length);
  out.set(header, 0);
  out.set(kept, header.length);
  return out;
}

export function encodeReject(reason: string): Uint8Array {
  return withReason([Tag.Reject], reason);
}

export function encodeClose(code: number, reason: string): Uint8Array {
  return withReason([Tag.Close, code], reason);
}

/** The reason carried from `offset` on (a cut multi-byte character shows as U+FFFD). */
export function decodeReason(frame: Uint8Array, offset: number): string {
  if (frame.length > offset + MAX_REASON_BYTES) throw protocolError(`a reason over ${MAX_REASON_BYTES} bytes`);
  return lenientUtf8.decode(frame.subarray(offset));
}

/** PING and PONG: the tag and a 32-bit sequence number (big-endian) the PONG echoes. */
export function encodePing(tag: typeof Tag.Ping | typeof Tag.Pong, sequence: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = tag;
  new DataView(out.buffer).setUint32(1, sequence >>> 0);
  return out;
}

export function decodePing(frame: Uint8Array): number {
  if (frame.length !== 5) throw protocolError(`a ping or pong of ${frame.length} bytes (5)`);
  return new DataView(frame.buffer, frame.byteOffset, 5).getUint32(1);
}

/** A user message as a DATA frame: one copy, the price of sharing the data path with control frames. */
export function encodeData(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 1);
  out[0] = Tag.Data;
  out.set(message, 1);
  return out;
}

export function protocolError(what: string): NetError {
  return new NetError(ErrorCode.ProtocolError, `the peer broke the handshake protocol: ${what}`);
}
