/**
 * The discovery server: keeps the list of participants, tells a newcomer who is there and
 * everyone else about the newcomer, and tells everyone when one leaves: its connection's
 * `disconnected` event is the sign, whether it quit or vanished.
 */
import { type Endpoint, NetError, split, Transport } from "message-io";
import { decode, encode, type Message } from "./protocol.js";

interface Registered {
  readonly addr: string;
  readonly endpoint: Endpoint;
}

export async function runDiscoveryServer(addr: string): Promise<void> {
  const { handler, listener } = split();
  const { network } = handler;
  try {
    const { addr: bound } = await network.listen(Transport.FramedTcp, addr);
    console.log(`Discovery server running at ${bound}`);
  } catch (error) {
    console.error(`Can not listen on ${addr}: ${NetError.from(error).code}`);
    handler.stop();
    process.exitCode = 1;
    return;
  }
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);

  const participants = new Map<string, Registered>();
  const tellEveryone = (message: Message) => {
    for (const { endpoint } of participants.values()) network.send(endpoint, encode(message));
  };

  await listener.forEach((event) => {
    if (event.type === "message") {
      const message = decode(event.data);
      if (message?.type !== "register") return;
      const { name, addr: participantAddr } = message;
      if (participants.has(name)) {
        console.log(`Participant '${name}' already exists: refused`);
        network.send(event.endpoint, encode({ type: "name-taken", name }));
        return;
      }
      const list = [...participants].map(([known, info]) => ({ name: known, addr: info.addr }));
      network.send(event.endpoint, encode({ type: "participant-list", participants: list }));
      tellEveryone({ type: "participant-added", name, addr: participantAddr });
      participants.set(name, { addr: participantAddr, endpoint: event.endpoint });
      console.log(`Added participant '${name}' with ip ${participantAddr}`);
    } else if (event.type === "disconnected") {
      for (const [name, info] of participants) {
        if (info.endpoint !== event.endpoint) continue;
        participants.delete(name);
        tellEveryone({ type: "participant-removed", name });
        console.log(`Removed participant '${name}' with ip ${info.addr}`);
      }
    }
  });
}
