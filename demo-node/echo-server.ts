/**
 * The all-in-one echo server: one node listening on every transport, answering each message with
 * the same bytes. `HOST` (default 127.0.0.1) and `PORT` (default 3042; each transport takes the next) set where.
 */
import { split, Transport } from "message-io";

const host = process.env.HOST ?? "127.0.0.1";
const basePort = Number(process.env.PORT ?? 3042);
// Every transport, in the order of `Transport`: tcp on PORT, framed-tcp on PORT + 1, udp, ws.
const transports = Object.values(Transport);

const { handler, listener } = split();
for (const [offset, transport] of transports.entries()) {
  const { addr } = await handler.network.listen(transport, `${host}:${basePort + offset}`);
  console.log(`echo server: ${transport.padEnd(10)} ${addr}`);
}

process.once("SIGINT", () => handler.stop());
process.once("SIGTERM", () => handler.stop());

await listener.forEach((event) => {
  switch (event.type) {
    case "accepted":
      console.log(`${event.endpoint.addr} connected`);
      break;
    case "message":
      handler.network.send(event.endpoint, event.data);
      break;
    case "disconnected":
      console.log(`${event.endpoint.addr} left${event.error ? ` (${event.error.code})` : ""}`);
      break;
  }
});
