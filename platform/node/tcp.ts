import { Transport, transportInfo } from "../../src/index.js";
import { streamAdapter } from "./stream.js";

/** `tcp`: the raw byte stream. A message is whatever chunk the operating system delivered. */
export const tcpAdapter = streamAdapter(Transport.Tcp, transportInfo(Transport.Tcp), {
  decoder: () => (chunk, emit) => {
    emit(chunk);
    return undefined;
  },
  write: (socket, data) => {
    socket.write(data);
  },
});
