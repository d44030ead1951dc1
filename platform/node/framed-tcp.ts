import { FrameDecoder, varintSize, writeVarint } from "../../src/framing.js";
import { Transport, transportInfo } from "../../src/index.js";
import { type StreamCodec, streamAdapter } from "./stream.js";
import { tcpSockets } from "./tcp-sockets.js";

/** `varint(length) ++ payload` per message (WIRE.md), wire-compatible with message-io: framed-tcp's codec, for any stream. */
export const framedCodec: StreamCodec = {
  decoder: ({ maxMessageSize }) => new FrameDecoder(maxMessageSize),
  framing: { size: varintSize, write: writeVarint },
};

/** `framed-tcp`: framed messages over TCP (and TLS). */
export const framedTcpAdapter = streamAdapter(
  Transport.FramedTcp,
  transportInfo(Transport.FramedTcp),
  framedCodec,
  tcpSockets,
);
