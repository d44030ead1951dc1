/**
 * What cluster nodes publish to each other on Redis. Every frame names its sender (node id and
 * registration), so any frame introduces a node, and a node id registered again is told apart
 * from the registration it replaces:
 *
 *   kind (1 byte) | registration (float64, big-endian) | id length (1 byte) | id (UTF-8) | body
 *
 * The body of `Group` is the group's name (a varint length, then UTF-8) and the message; of
 * `Data`, the message; the others have none.
 */
import { varintSize, writeVarint } from "../../src/framing.js";

export const FrameKind = {
  /** "I am here": every node, several times per presence timeout, on the cluster's channel. */
  Hello: 1,
  /** "I am here, who else is?": on registering; every node that hears it answers with a Hello to the sender. */
  HelloAsk: 2,
  /** "I am leaving": on `remove` of the listener or `stop`. */
  Bye: 3,
  /** A message to one node, on that node's channel. */
  Data: 4,
  /** A group message, on the cluster's channel: each node hands it to its own members. */
  Group: 5,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  readonly kind: FrameKind;
  readonly registration: number;
  readonly sender: string;
  /** `Group` only. */
  readonly group?: string;
  /** `Data` and `Group`: the message, a view into the frame. */
  readonly payload?: Uint8Array;
}

const utf8 = new TextEncoder();

/** The header this node puts before everything it publishes, one per kind. */
export class FrameWriter {
  private readonly headers: Buffer[] = [];

  constructor(sender: string, registration: number) {
    const id = utf8.encode(sender);
    for (let kind = 0; kind <= FrameKind.Group; kind++) {
      const header = Buffer.allocUnsafe(10 + id.length);
      header[0] = kind;
      header.writeDoubleBE(registration, 1);
      header[9] = id.length;
      header.set(id, 10);
      this.headers.push(header);
    }
  }

  /** A frame without body: Hello, HelloAsk, Bye. */
  signal(kind: FrameKind): Buffer {
    return this.headers[kind] as Buffer;
  }

  data(payload: Uint8Array): Buffer {
    const header = this.headers[FrameKind.Data] as Buffer;
    const frame = Buffer.allocUnsafe(header.length + payload.length);
    header.copy(frame, 0);
    frame.set(payload, header.length);
    return frame;
  }

  group(group: string, payload: Uint8Array): Buffer {
    const header = this.headers[FrameKind.Group] as Buffer;
    const name = utf8.encode(group);
    const nameAt = header.length + varintSize(name.length);
    const frame = Buffer.allocUnsafe(nameAt + name.length + payload.length);
    header.copy(frame, 0);
    writeVarint(name.length, frame, header.length);
    frame.set(name, nameAt);
    frame.set(payload, nameAt + name.length);
    return frame;
  }
}

/** The frame in `bytes`, or `undefined` when they are not one (something else published on our channels). */
export function readFrame(bytes: Buffer): Frame | undefined {
  if (bytes.length < 11) return undefined;
  const kind = bytes[0] as FrameKind;
  if (kind < FrameKind.Hello || kind > FrameKind.Group) return undefined;
  const registration = bytes.readDoubleBE(1);
  const idEnd = 10 + (bytes[9] as number);
  if (idEnd > bytes.length || idEnd === 10) return undefined;
  const sender = bytes.toString("utf8", 10, idEnd);
  if (kind === FrameKind.Data) return { kind, registration, sender, payload: bytes.subarray(idEnd) };
  if (kind !== FrameKind.Group) return { kind, registration, sender };
  let length = 0;
  let at = idEnd;
  for (let shift = 0; ; shift += 7) {
    if (at >= bytes.length || shift > 28) return undefined;
    const byte = bytes[at++] as number;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (at + length > bytes.length) return undefined;
  const group = bytes.toString("utf8", at, at + length);
  return { kind, registration, sender, group, payload: bytes.subarray(at + length) };
}
