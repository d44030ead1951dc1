/**
 * The echo client: sends a few messages to the all-in-one echo server and prints the answers.
 * `npm run echo-client -- ws` picks the transport: changing it is one word.
 */
import { split, Transport } from "message-io";

const transport = process.argv[2] ?? Transport.FramedTcp;
// Every transport but the cluster (server processes meeting through Redis, not a link to a peer).
const transports: string[] = Object.values(Transport).filter((t) => t !== Transport.Cluster);
if (!transports.includes(transport)) {
  console.error(`usage: echo-client [${transports.join("|")}] [host:port]`);
  process.exit(2);
}
// The echo server listens on PORT (3042) for tcp, and on the next ports for the others, in this order.
const port = Number(process.env.PORT ?? 3042) + transports.indexOf(transport);
const server = process.argv[3] ?? `127.0.0.1:${port}`;

const { handler, listener } = split();
const endpoint = handler.network.connect(transport, server);
let answers = 0;

await listener.forEach((event) => {
  switch (event.type) {
    case "connected":
      if (!event.ok) {
        console.error(`cannot reach ${server} over ${transport}: ${event.error?.code}`);
        return handler.stop();
      }
      console.log(`connected to ${server} over ${transport}`);
      for (let i = 1; i <= 3; i++) handler.network.send(endpoint, `hello #${i}`);
      break;
    case "message":
      console.log(`echo: ${new TextDecoder().decode(event.data)}`);
      // A stream transport (tcp) may merge the answers: count bytes, not messages.
      answers += event.data.length;
      if (answers >= "hello #1".length * 3) handler.stop();
      break;
    case "disconnected":
      console.log("the server closed the connection");
      handler.stop();
      break;
  }
});
