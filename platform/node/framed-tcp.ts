import { FrameDecoder, varintSize, writeVarint } from "../../src/framing.js";
import { Transport, transportInfo } from "../../src/index.js";
import { streamAdapter } from "./stream.js";

/** Messages up to this size are copied behind their prefix and written once; larger ones go as two writes. */
const COALESCE_LIMIT = 16 * 1024;

/** `framed-tcp`: `varint(length) ++ payload` per message (WIRE.md), wire-compatible with message-io. */
export const framedTcpAdapter = streamAdapter(Transport.FramedTcp, transportInfo(Transport.FramedTcp), {
  decoder: ({ maxMessageSize }) => new FrameDecoder(maxMessageSize),
  write: (socket, data) => {
    const prefixSize = varintSize(data.length);
    if (data.length <= COALESCE_LIMIT) {
      const frame = Buffer.allocUnsafe(prefixSize + data.length);
      frame.set(data, writeVarint(data.length, frame, 0));
      socket.write(frame);
    } else {
      const prefix = Buffer.allocUnsafe(prefixSize);
      writeVarint(data.length, prefix, 0);
      socket.write(prefix);
      socket.write(data);
    }
  },
});
