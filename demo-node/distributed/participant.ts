/**
 * A participant: listens for other participants on udp, registers that address with the
 * discovery server (framed-tcp), then greets each participant it learns of, directly.
 */
import { type Endpoint, formatHostPort, NetError, split, Transport } from "message-io";
import { decode, encode } from "./protocol.js";

export async function runParticipant(name: string, discoveryAddr: string, host: string): Promise<void> {
  const { handler, listener } = split();
  const { network } = handler;
  let publicAddr: string;
  try {
    // Port 0: the system picks one, and the discovery server passes it on to the others.
    ({ addr: publicAddr } = await network.listen(Transport.Udp, formatHostPort(host, 0)));
  } catch (error) {
    console.error(`Can not listen on ${host}: ${NetError.from(error).code}`);
    handler.stop();
    process.exitCode = 1;
    return;
  }
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);
  const discovery = network.connect(Transport.FramedTcp, discoveryAddr);

  const peers = new Map<string, Endpoint>(); // name -> where to greet it
  const greetingsFor = new Map<Endpoint, string>(); // sent once that udp "connection" is ready
  const greet = (peer: string, addr: string, text: string) => {
    const endpoint = network.connect(Transport.Udp, addr);
    peers.set(peer, endpoint);
    greetingsFor.set(endpoint, `Hi '${peer}', ${text}`);
  };

  await listener.forEach((event) => {
    switch (event.type) {
      case "connected": {
        if (event.endpoint === discovery) {
          if (!event.ok) {
            console.error(`Can not connect to the discovery server at ${discoveryAddr}: ${event.error?.code}`);
            process.exitCode = 1;
            handler.stop();
            break;
          }
          console.log(`Registering as '${name}', reachable at ${publicAddr}`);
          network.send(discovery, encode({ type: "register", name, addr: publicAddr }));
          break;
        }
        // Sending before `connected` would be refused ("not-available"): a udp socket takes a turn to set up.
        const text = greetingsFor.get(event.endpoint);
        greetingsFor.delete(event.endpoint);
        if (event.ok && text !== undefined) network.send(event.endpoint, encode({ type: "greetings", name, text }));
        break;
      }
      case "message": {
        const message = decode(event.data);
        switch (message?.type) {
          case "participant-list":
            console.log(`Participant list received (${message.participants.length} participants)`);
            for (const peer of message.participants) greet(peer.name, peer.addr, "I see you in the participant list");
            break;
          case "participant-added":
            console.log(`New participant '${message.name}' in the network`);
            greet(message.name, message.addr, "welcome to the network!");
            break;
          case "participant-removed": {
            console.log(`Removed participant '${message.name}' from the network`);
            // udp has no connection to end: free the resource ourselves.
            const endpoint = peers.get(message.name);
            peers.delete(message.name);
            if (endpoint !== undefined) network.remove(endpoint.id);
            break;
          }
          case "name-taken":
            console.error(`The name '${message.name}' is taken: choose another one`);
            process.exitCode = 1;
            handler.stop();
            break;
          case "greetings":
            console.log(`'${message.name}' says: ${message.text}`);
            break;
        }
        break;
      }
      case "disconnected":
        if (event.endpoint === discovery) {
          console.log("Discovery server disconnected, closing");
          handler.stop();
        }
        break;
    }
  });
}
