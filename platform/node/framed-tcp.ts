import { FrameDecoder, varintSize, writeVarint } from "../../src/framing.js";
import { Transport, transportInfo } from "../../src/index.js";
import { streamAdapter } from "./stream.js";

/** `framed-tcp`: `varint(length) ++ payload` per message (WIRE.md), wire-compatible with message-io. */
export const framedTcpAdapter = streamAdapter(Transport.FramedTcp, transportInfo(Transport.FramedTcp), {
  decoder: ({ maxMessageSize }) => new FrameDecoder(maxMessageSize),
  framing: { size: varintSize, write: writeVarint },
});
