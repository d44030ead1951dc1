import { FrameDecoder, varintSize, writeVarint } from "../../src/framing.js";
import { Transport, transportInfo } from "../../src/index.js";
import { recycler, takeCopy } from "./send-copies.js";
import { streamAdapter } from "./stream.js";

/** `framed-tcp`: `varint(length) ++ payload` per message (WIRE.md), wire-compatible with message-io. */
export const framedTcpAdapter = streamAdapter(Transport.FramedTcp, transportInfo(Transport.FramedTcp), {
  decoder: ({ maxMessageSize }) => new FrameDecoder(maxMessageSize),
  write: (socket, data) => {
    // The payload is copied behind its prefix: one write per frame, and the caller may reuse `data`
    // as soon as send returns (rule 5), though the write is queued until the end of the turn.
    const frame = takeCopy(varintSize(data.length) + data.length);
    frame.set(data, writeVarint(data.length, frame, 0));
    socket.write(frame, recycler(frame));
  },
});
