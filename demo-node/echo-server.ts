/**
 * The all-in-one echo server: one node listening on every transport, answering each message with
 * the same bytes. `HOST` (default 127.0.0.1) and `PORT` (default 3042) set where: tcp listens on
 * PORT, framed-tcp on PORT + 1, udp on PORT + 2, ws on PORT + 3; `PORT=0` gives each a free port.
 * The first argument, when given, is the port instead of `PORT`.
 */
import { split, Transport } from "message-io";

const host = process.env.HOST ?? "127.0.0.1";
const basePort = Number(process.argv[2] ?? process.env.PORT ?? 3042);
// Every transport but the cluster (server processes meeting through Redis, not a link to a peer).
const transports = Object.values(Transport).filter((t) => t !== Transport.Cluster);

const { handler, listener } = split();
for (const [offset, transport] of transports.entries()) {
  const port = basePort === 0 ? 0 : basePort + offset;
  const { addr } = await handler.network.listen(transport, `${host}:${port}`);
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
