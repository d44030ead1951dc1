/**
 * message-io's multicast example: participants on one network find each other through a UDP
 * multicast group, with no server. Each one joins the group (listening on a multicast address
 * does that), then greets it; whoever hears a greeting from a newcomer answers it, so newcomers
 * learn of everyone already there. A participant says goodbye when it stops (Ctrl-C).
 *
 *   npm run multicast -- <name> [--group <ip>:<port>] [--interface <ip>]
 *
 * Run it in several terminals, or on several machines of one LAN. `--interface` is the local
 * address to send and join the group through: `127.0.0.1` keeps every datagram on this machine.
 */
import { randomUUID } from "node:crypto";
import { NetError, split, Transport } from "message-io";

const USAGE = "usage: multicast <name> [--group <ip>:<port>] [--interface <ip>]";
const DEFAULT_GROUP = "239.255.0.1:3010"; // message-io's
/** How long to wait to hear our own goodbye on the group before stopping anyway. */
const GOODBYE_GRACE_MS = 1000;

/** What participants tell the group. `id` tells two participants of one name apart, and us from them. */
interface Announcement {
  readonly kind: "hello" | "here" | "bye";
  readonly id: string;
  readonly name: string;
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? undefined : args[at + 1];
};
const name = args[0];
if (name === undefined || name.startsWith("--")) {
  console.error(`Please, choose a name\n${USAGE}`);
  process.exit(2);
}
const group = option("group") ?? DEFAULT_GROUP;
const localInterface = option("interface");
const me: Omit<Announcement, "kind"> = { id: randomUUID(), name };

type Signal = "leave";
const { handler, listener } = split<Signal>();
const { network } = handler;

try {
  // A multicast address joins the group; the interface option pins which network it is joined on.
  await network.listen(Transport.Udp, group, { multicastInterface: localInterface });
} catch (error) {
  console.error(`Can not join ${group}: ${NetError.from(error).message}`);
  handler.stop();
  process.exit(1);
}
console.log(`Listening on ${group} as '${name}'`);
const toGroup = network.connect(Transport.Udp, group, { sourceAddress: localInterface });
const encode = (kind: Announcement["kind"]) => JSON.stringify({ kind, ...me } satisfies Announcement);

const known = new Map<string, string>(); // participant id -> name
let leaving = false;
const leave = () => {
  if (leaving) return;
  leaving = true;
  network.send(toGroup, encode("bye"));
  handler.signals.sendWithTimer("leave", GOODBYE_GRACE_MS);
};
process.once("SIGINT", leave);
process.once("SIGTERM", leave);

await listener.forEach((event) => {
  switch (event.type) {
    case "connected":
      if (!event.ok) {
        console.error(`Can not send to ${group}: ${event.error?.code}`);
        handler.stop();
        process.exitCode = 1;
        break;
      }
      console.log("Greeting the network");
      network.send(toGroup, encode("hello"));
      break;
    case "message": {
      const message = parse(event.data);
      if (message === undefined) break;
      if (message.id === me.id) {
        // The group loops our own datagrams back to us: once our goodbye is back, it has gone out.
        if (message.kind === "bye") handler.stop();
        break;
      }
      if (message.kind === "hello") {
        console.log(`'${message.name}' greets the network!`);
        known.set(message.id, message.name);
        network.send(toGroup, encode("here"));
      } else if (message.kind === "here" && !known.has(message.id)) {
        console.log(`'${message.name}' is also here`);
        known.set(message.id, message.name);
      } else if (message.kind === "bye" && known.delete(message.id)) {
        console.log(`'${message.name}' left the network`);
      }
      break;
    }
    case "signal":
      handler.stop();
      break;
  }
});

/** An announcement, or `undefined` for anything else a stranger sent to the group. */
function parse(data: Uint8Array): Announcement | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as Partial<Announcement>;
    const kinds: unknown[] = ["hello", "here", "bye"];
    if (kinds.includes(value.kind) && typeof value.id === "string" && typeof value.name === "string") {
      return value as Announcement;
    }
  } catch {
    // not JSON: not for us
  }
  return undefined;
}
