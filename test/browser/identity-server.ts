/**
 * The identity roles of the scenario server (LAYERS.md section 2), on nodes of their own:
 * - `identity`: a node with identity `scenario-server` that accepts the hello "v3" only ("needs
 *   version 3" otherwise) and echoes every message;
 * - `mute`: a node without identity that fakes the acceptor's half of a handshake by hand, then
 *   never answers a ping, like a server that hangs: a client's `ping` must end it.
 */
import { split, Transport } from "message-io/node";
import { ACCEPT_FRAME, encodeHello, Tag } from "../../src/layer/identity/wire.js";
import { ACCEPTED_HELLO, REFUSAL, SERVER_ID } from "./identity-constants.js";

const LOCAL = "127.0.0.1:0";

export interface IdentityRoles {
  readonly addresses: { readonly identity: string; readonly mute: string };
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
  const done = [
    identity.listener.forEach((event) => {
      if (event.type === "message") identity.handler.network.send(event.endpoint, event.data);
    }),
    mute.listener.forEach((event) => {
      if (event.type !== "message" || event.data[0] !== Tag.Hello) return;
      mute.handler.network.send(event.endpoint, encodeHello(new TextEncoder().encode("mute-server"), undefined, true));
      mute.handler.network.send(event.endpoint, ACCEPT_FRAME);
    }),
  ];
  const stop = async () => {
    identity.handler.stop();
    mute.handler.stop();
    await Promise.all(done);
  };
  try {
    const identityListener = await identity.handler.network.listen(Transport.Ws, LOCAL);
    const muteListener = await mute.handler.network.listen(Transport.Ws, LOCAL);
    return { addresses: { identity: identityListener.addr, mute: muteListener.addr }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
