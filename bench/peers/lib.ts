/** The library, used as its README shows: one node per side, `forEach` on the listener. */
import { split } from "../../platform/node/index.js";
import { ACK, ACK_REQUEST, type Peer, UDP_BUFFER } from "./peer.js";

const udpBuffers = { recvBufferSize: UDP_BUFFER, sendBufferSize: UDP_BUFFER };

export const libPeer: Peer = {
  async serve(transport, kind, onBytes) {
    const { handler, listener } = split();
    const network = handler.network;
    const { addr } = await network.listen(transport, "127.0.0.1:0", transport === "udp" ? udpBuffers : {});
    void listener.forEach(
      kind === "echo"
        ? (event) => {
            if (event.type !== "message") return;
            onBytes(event.data.length);
            network.send(event.endpoint, event.data);
          }
        : transport === "udp"
          ? (event) => {
              if (event.type !== "message") return;
              onBytes(event.data.length);
              if (event.data[0] === ACK_REQUEST) network.send(event.endpoint, ACK);
            }
          : (event) => {
              if (event.type === "message") onBytes(event.data.length);
            },
    );
    return { addr, close: () => handler.stop() };
  },

  async connect(transport, addr, onMessage) {
    const { handler, listener } = split();
    const network = handler.network;
    const endpoint = await network.connectAsync(transport, addr, transport === "udp" ? udpBuffers : {});
    void listener.forEach((event) => {
      if (event.type === "message") onMessage(event.data);
    });
    return {
      send: (data) => void network.send(endpoint, data),
      pending: () => network.pendingBytes(endpoint),
      close: () => handler.stop(),
    };
  },
};
