/**
 * The ping-pong server: answers every ping with how many pings that client has sent. Connection
 * transports count per connection, from `accepted` to `disconnected`; udp has no connections, so,
 * like message-io's server, it answers udp pings with `UnknownPong`.
 */
import { NetError, split, type Transport } from "message-io";
import { encodePong, encodeUnknownPong, isPing } from "./protocol.js";

export async function runServer(transport: Transport, addr: string): Promise<void> {
  const { handler, listener } = split();
  try {
    const { addr: bound } = await handler.network.listen(transport, addr);
    console.log(`Server running at ${bound} by ${transport}`);
  } catch (error) {
    console.error(`Can not listen at ${addr} by ${transport}: ${NetError.from(error).code}`);
    handler.stop();
    process.exitCode = 1;
    return;
  }
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);

  // Pings per connected client, by endpoint key.
  const clients = new Map<string, number>();
  await listener.forEach((event) => {
    switch (event.type) {
      case "accepted":
        clients.set(event.endpoint.key, 0);
        console.log(`Client (${event.endpoint.addr}) connected (total clients: ${clients.size})`);
        break;
      case "disconnected":
        clients.delete(event.endpoint.key);
        console.log(`Client (${event.endpoint.addr}) disconnected (total clients: ${clients.size})`);
        break;
      case "message": {
        const { endpoint, data } = event;
        if (!isPing(data)) {
          console.log(`Unknown message from ${endpoint.addr} (${data.length} bytes), ignored`);
          break;
        }
        const previous = clients.get(endpoint.key);
        if (previous === undefined) {
          console.log(`Ping from ${endpoint.addr}`);
          handler.network.send(endpoint, encodeUnknownPong());
        } else {
          clients.set(endpoint.key, previous + 1);
          console.log(`Ping from ${endpoint.addr}, ${previous + 1} times`);
          handler.network.send(endpoint, encodePong(previous + 1));
        }
        break;
      }
    }
  });
}
