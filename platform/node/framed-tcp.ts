import { FrameDecoder, varintSize, writeVarint } from "../../src/framing.js";
import { Transport, transportInfo } from "../../src/index.js";
import { recycler, takeCopy } from "./send-copies.js";
import { type StreamCodec, streamAdapter } from "./stream.js";
import { tcpSockets } from "./tcp-sockets.js";

/** `varint(length) ++ payload` per message (WIRE.md), wire-compatible with message-io: framed-tcp's codec, for any stream. */
export const framedCodec: StreamCodec = {
  decoder: ({ maxMessageSize }) => new FrameDecoder(maxMessageSize),
  write: (socket, data) => {
    // The payload is copied behind its prefix: one write per frame, and the caller may reuse `data`
    // as soon as send returns (rule 5), though the write is queued until the end of the turn.
    const frame = takeCopy(varintSize(data.length) + data.length);
    frame.set(data, writeVarint(data.length, frame, 0));
    socket.write(frame, recycler(frame));
  },
};

/** `framed-tcp`: framed messages over TCP (and TLS). */
export const framedTcpAdapter = streamAdapter(
  Transport.FramedTcp,
  transportInfo(Transport.FramedTcp),
  framedCodec,
  tcpSockets,
);
