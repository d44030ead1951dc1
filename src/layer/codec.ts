/**
 * Messages as values (LAYERS.md section 1). A node made with a codec encodes what `send` is given
 * and decodes every message it receives; without one, messages are bytes.
 */

/** Turns messages into bytes and back. A user's own codec (protobuf, flatbuffers...) is any object of this shape. */
export interface Codec<M> {
  /** Shown in errors. */
  readonly name: string;
  /** Throwing is the caller's bug: `send` throws `INVALID_ARGUMENT` with this error as `cause`. */
  encode(message: M): Uint8Array;
  /** Throwing is the peer's fault: the connection ends with `DECODE_ERROR` (udp: the datagram is dropped). */
  decode(data: Uint8Array): M;
}
