import { Transport, transportInfo } from "../../src/index.js";
import { type StreamDecoder, streamAdapter } from "./stream.js";
import { tcpSockets } from "./tcp-sockets.js";

/** Every chunk is a message, so nothing is ever held back: one stateless decoder serves every connection. */
const rawDecoder: StreamDecoder = {
  push(chunk, emit) {
    emit(chunk);
    return undefined;
  },
  buffered: 0,
};

/** `tcp`: the raw byte stream. A message is whatever chunk the operating system delivered. */
export const tcpAdapter = streamAdapter(
  Transport.Tcp,
  transportInfo(Transport.Tcp),
  {
    decoder: () => rawDecoder,
  },
  tcpSockets,
);
