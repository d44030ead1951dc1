/**
 * The Node build: the core with the `tcp`, `framed-tcp`, `udp`, `ws`, `webrtc` and `cluster` transports.
 * `import { split } from "message-io"` resolves here under the `node` condition.
 * @module message-io
 */
import { createSplit } from "../../src/node.js";
import { clusterAdapter } from "./cluster.js";
import { framedTcpAdapter } from "./framed-tcp.js";
import { tcpAdapter } from "./tcp.js";
import { udpAdapter } from "./udp.js";
import { webRtcAdapter } from "./webrtc.js";
import { wsAdapter } from "./ws.js";

export * from "../../src/index.js";

/**
 * Creates a node: `handler` acts (network, signals, stop), `listener` receives its events.
 * `S` is the type of the signals the program sends itself.
 */
export const split = createSplit({
  adapters: [tcpAdapter, framedTcpAdapter, udpAdapter, wsAdapter, webRtcAdapter, clusterAdapter],
  yieldTurn: setImmediate,
});
