/**
 * The contract kit over `webrtc`, Node to Node: by default unreliable and unordered (a scenario
 * sends again until its echo comes back; none counts deliveries or relies on order), and with
 * `ordered: true`, reliable and ordered, where every scenario of a reliable transport applies.
 * Messages up to 16 KiB, the transport's limit.
 */
import { msgpack, Transport } from "message-io";
import { describeAdapterContract } from "message-io/testing";

const LOCAL = "127.0.0.1:0";
const common = { transport: Transport.WebRtc, listenAddr: LOCAL, connectAddr: (bound: string) => `ws://${bound}/` };

// A few clients: each one is a WebRTC peer connection of its own (ICE, DTLS, SCTP) on a shared machine.
describeAdapterContract({
  ...common,
  name: "webrtc (unreliable, unordered)",
  reliable: false,
  ordered: false,
  clients: 10,
});
describeAdapterContract({
  ...common,
  name: "webrtc with ordered: true (reliable, ordered)",
  connectOptions: { ordered: true },
  clients: 10,
  burst: 2000,
});

// The same with the second layer: msgpack messages, and identity (its hello and pings on the
// signalling socket), each node a peer of its own.
const layered = {
  ...common,
  nodeOptions: (n: number) => ({ codec: msgpack(), identity: { id: `node-${n}`, ping: 100 } }),
  payload: {
    encode: (bytes: Uint8Array) => ({ bytes }),
    decode: (message: unknown) => (message as { bytes: Uint8Array }).bytes,
  },
  largeMessage: 16_000,
  clients: 5,
};
describeAdapterContract({
  ...layered,
  name: "webrtc with msgpack and identity (unreliable)",
  reliable: false,
  ordered: false,
});
describeAdapterContract({
  ...layered,
  name: "webrtc with msgpack and identity, ordered: true",
  connectOptions: { ordered: true },
  burst: 2000,
});
