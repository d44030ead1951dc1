/**
 * The contract kit with the second layer on (issue 11): every packet-based transport of the
 * package (framed-tcp, ws, the memory template) passes it with a codec, with identity, and with
 * both. Each node of a suite has an id of its own (`nodeOptions` as a function of the node), as
 * real peers do: one id dialling one listener many times would be one peer replacing itself.
 */
import { type Adapter, memoryAdapter, msgpack, type Peer, Transport } from "message-io";
import { describeAdapterContract } from "message-io/testing";

type Wrapped = { t: "bytes"; bytes: Uint8Array };
type Hello = { t: "hello"; node: number };

/** A scenario's bytes as a typed message, and back. */
const wrapped = {
  encode: (bytes: Uint8Array): Wrapped => ({ t: "bytes", bytes }),
  decode: (message: unknown) => (message as Wrapped).bytes,
};

const identityOf = (node: number) => ({ id: `contract-node-${node}` });

/** With a codec, the hello is a typed value too, and each side checks the other's. */
const typedIdentityOf = (node: number) => ({
  id: `contract-node-${node}`,
  hello: { t: "hello", node } satisfies Hello,
  accept: (peer: Peer<unknown>) => (peer.hello as Hello | undefined)?.t === "hello" || "not a contract node",
});

const layers = [
  { layer: "msgpack", nodeOptions: () => ({ codec: msgpack() }), payload: wrapped },
  { layer: "identity", nodeOptions: (node: number) => ({ identity: identityOf(node) }) },
  {
    layer: "msgpack + identity",
    nodeOptions: (node: number) => ({ codec: msgpack(), identity: typedIdentityOf(node) }),
    payload: wrapped,
  },
];

const transports: { transport: string; listenAddr: string; adapters?: Adapter[]; enforcesPeerLimit?: boolean }[] = [
  { transport: Transport.FramedTcp, listenAddr: "127.0.0.1:0", enforcesPeerLimit: true },
  { transport: Transport.Ws, listenAddr: "127.0.0.1:0", enforcesPeerLimit: true },
  { transport: "memory", listenAddr: "memory:0", adapters: [memoryAdapter()] },
];

for (const { layer, ...layerOptions } of layers) {
  for (const transportOptions of transports) {
    describeAdapterContract({
      name: `${transportOptions.transport} with ${layer}`,
      ...transportOptions,
      ...layerOptions,
      // The byte suite (contract.test.ts) runs the full 200 000; the layers add work per message, not order.
      burst: 50_000,
    });
  }
}
