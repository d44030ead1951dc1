/**
 * The identity roles of the scenario server (LAYERS.md section 2), on nodes of their own:
 * - `identity`: a node with identity `scenario-server` that accepts the hello "v3" only ("needs
 *   version 3" otherwise) and echoes every message;
 * - `mute`: a node without identity that fakes the acceptor's half of a handshake by hand, then
 *   never answers a ping, like a server that hangs: a client's `ping` must end it;
 * - `typed`: a node with msgpack and identity `scenario-server` (a typed hello both ways) that
 *   echoes, goes away on `{ t: "down" }` (its listener and connections removed: a clean close),
 *   and comes back on the same address when `bringTypedBack` is called (server.ts, on "typed-up").
 */
import { msgpack, type ResourceId, split, Transport } from "message-io/node";
import { ACCEPT_FRAME, encodeHello, Tag } from "../../src/layer/identity/wire.js";
import { ACCEPTED_HELLO, REFUSAL, SERVER_ID, TYPED_SERVER_HELLO } from "./identity-constants.js";

const LOCAL = "127.0.0.1:0";

export interface IdentityRoles {
  readonly addresses: { readonly identity: string; readonly mute: string; readonly typed: string };
  /** The typed listener listens again on its address, if it went away. */
  bringTypedBack(): Promise<void>;
  stop(): Promise<void>;
}

export async function startIdentityRoles(): Promise<IdentityRoles> {
  const decoder = new TextDecoder();
  const identity = split({
    identity: {
      id: SERVER_ID,
      accept: (peer) => decoder.decode(peer.hello) === ACCEPTED_HELLO || REFUSAL,
    },
  });
  const mute = split();
  const typed = split<never, { t: string; version?: number }>({
    codec: msgpack(),
    identity: {
      id: SERVER_ID,
      hello: TYPED_SERVER_HELLO,
      accept: (peer) => (peer.hello?.t === "hello" && peer.hello.version === 3) || REFUSAL,
    },
  });
  let typedListener: { id: ResourceId; addr: string } | undefined;
  const typedPeers = new Set<ResourceId>();
  const done = [
    identity.listener.forEach((event) => {
      if (event.type === "message") identity.handler.network.send(event.endpoint, event.data);
    }),
    mute.listener.forEach((event) => {
      if (event.type !== "message" || event.data[0] !== Tag.Hello) return;
      mute.handler.network.send(event.endpoint, encodeHello(new TextEncoder().encode("mute-server"), undefined, true));
      mute.handler.network.send(event.endpoint, ACCEPT_FRAME);
    }),
    typed.listener.forEach((event) => {
      const network = typed.handler.network;
      if (event.type === "accepted") typedPeers.add(event.endpoint.id);
      else if (event.type === "disconnected") typedPeers.delete(event.endpoint.id);
      else if (event.type === "message" && event.message.t === "down" && typedListener !== undefined) {
        network.remove(typedListener.id);
        for (const id of typedPeers) network.remove(id);
        typedPeers.clear();
      } else if (event.type === "message") network.send(event.endpoint, event.message);
    }),
  ];
  const stop = async () => {
    identity.handler.stop();
    mute.handler.stop();
    typed.handler.stop();
    await Promise.all(done);
  };
  const bringTypedBack = async () => {
    const addr = typedListener?.addr ?? LOCAL;
    if (typedListener !== undefined && typed.handler.network.isReady(typedListener.id)) return;
    typedListener = await typed.handler.network.listen(Transport.Ws, addr);
  };
  try {
    const identityListener = await identity.handler.network.listen(Transport.Ws, LOCAL);
    const muteListener = await mute.handler.network.listen(Transport.Ws, LOCAL);
    await bringTypedBack();
    const addresses = { identity: identityListener.addr, mute: muteListener.addr, typed: typedListener?.addr ?? "" };
    return { addresses, bringTypedBack, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
