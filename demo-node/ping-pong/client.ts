/**
 * The ping-pong client: pings the server every interval (a timer signal, not a sleep) and prints
 * each pong. It stops when the server disconnects, or after `count` pongs when one is given.
 */
import { NetError, split, type Transport } from "message-io";
import { decodeFromServer, encodePing } from "./protocol.js";

export interface ClientOptions {
  /** Between two pings; message-io's client waits one second. */
  readonly intervalMs: number;
  /** Stop after this many pongs (forever when undefined). */
  readonly count: number | undefined;
}

type Signal = "ping";

export async function runClient(transport: Transport, remote: string, options: ClientOptions): Promise<void> {
  const { handler, listener } = split<Signal>();
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);
  let server: ReturnType<typeof handler.network.connect>;
  try {
    server = handler.network.connect(transport, remote);
  } catch (error) {
    console.error(`Can not connect to ${remote} by ${transport}: ${NetError.from(error).message}`);
    handler.stop();
    process.exitCode = 2;
    return;
  }

  let pongs = 0;
  await listener.forEach((event) => {
    switch (event.type) {
      case "connected":
        if (!event.ok) {
          console.error(`Can not connect to server at ${remote} by ${transport}: ${event.error?.code}`);
          process.exitCode = 1;
          handler.stop();
          break;
        }
        console.log(`Connected to server at ${server.addr} by ${transport}`);
        handler.signals.send("ping");
        break;
      case "signal":
        handler.network.send(server, encodePing());
        handler.signals.sendWithTimer("ping", options.intervalMs);
        break;
      case "message": {
        const answer = decodeFromServer(event.data);
        if (answer === undefined) console.log(`Unknown message from the server (${event.data.length} bytes)`);
        else if (answer.kind === "pong") console.log(`Pong from server: ${answer.count} times`);
        else console.log("Pong from server");
        pongs += 1;
        if (options.count !== undefined && pongs >= options.count) handler.stop();
        break;
      }
      case "disconnected":
        console.log("Server is disconnected");
        handler.stop();
        break;
    }
  });
}
