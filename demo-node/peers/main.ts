/**
 * Nodes with ids, in the spirit of msgpacknet: each node listens, connects to the nodes it is
 * given, and knows every peer by its id through the hello handshake. A node whose hello is not
 * ours is refused. Every few seconds each node greets its peers by id and prints each peer's
 * statistics.
 *
 *   npm run peers -- <id> [--listen <host:port>] [--connect <host:port>]... [--hello <text>] [--every <ms>]
 *
 * `--listen` defaults to 127.0.0.1:0 (a free port, printed); `--hello` to "peers-demo/1": only
 * nodes that say the same are accepted. Ctrl-C leaves.
 */
import { type Endpoint, NetError, type NetworkController, split, Transport } from "message-io";

const USAGE = "usage: peers <id> [--listen <host:port>] [--connect <host:port>]... [--hello <text>] [--every <ms>]";
const utf8 = new TextEncoder();
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

interface Options {
  id: string;
  listen: string;
  connect: string[];
  hello: string;
  every: number;
}

function parse(args: string[]): Options | undefined {
  const [id, ...rest] = args;
  if (id === undefined || id.startsWith("--")) return undefined;
  const options: Options = { id, listen: "127.0.0.1:0", connect: [], hello: "peers-demo/1", every: 2_000 };
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) return undefined;
    if (rest[i] === "--listen") options.listen = value;
    else if (rest[i] === "--connect") options.connect.push(value);
    else if (rest[i] === "--hello") options.hello = value;
    else if (rest[i] === "--every") options.every = Number(value);
    else return undefined;
  }
  return options;
}

/** What this example counts itself: `network.stats(endpoint)` gives it all, and the rtt, where the library has it. */
interface Counts {
  readonly peerId: string;
  sent: number;
  received: number;
  bytesReceived: number;
  since: number;
}

/** The library's statistics of `endpoint` when this build has them (LAYERS.md section 3), else `undefined`. */
function libraryStats(network: NetworkController, endpoint: Endpoint): object | undefined {
  const stats = (network as Partial<{ stats(endpoint: Endpoint): object | undefined }>).stats;
  return stats?.call(network, endpoint);
}

async function run(options: Options): Promise<void> {
  const { handler, listener } = split<"report">({
    identity: {
      id: options.id,
      hello: utf8.encode(options.hello),
      accept: (peer) => text(peer.hello) === options.hello || `wrong hello: "${options.hello}" expected`,
      ping: 500,
    },
  });
  const { network } = handler;
  try {
    const { addr } = await network.listen(Transport.FramedTcp, options.listen);
    console.log(`node ${options.id} listening at ${addr}`);
  } catch (error) {
    console.error(`cannot listen on ${options.listen}: ${NetError.from(error).code}`);
    handler.stop();
    process.exitCode = 1;
    return;
  }
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);
  for (const remote of options.connect) network.connect(Transport.FramedTcp, remote);
  handler.signals.sendWithTimer("report", options.every);

  const counts = new Map<Endpoint, Counts>();
  const sendTo = (peerId: string, message: string) => {
    const endpoint = handler.peers.endpoint(peerId);
    const count = endpoint === undefined ? undefined : counts.get(endpoint);
    if (handler.peers.send(peerId, message) === "sent" && count !== undefined) count.sent += 1;
  };
  const joined = (endpoint: Endpoint, peerId: string, how: string) => {
    counts.set(endpoint, { peerId, sent: 0, received: 0, bytesReceived: 0, since: Date.now() });
    console.log(`${how} ${peerId} (${endpoint.addr})`);
    sendTo(peerId, `hello from ${options.id}`);
  };

  await listener.forEach((event) => {
    switch (event.type) {
      case "connected":
        if (event.ok) joined(event.endpoint, event.peer?.id ?? "?", "connected to");
        else console.log(`no handshake with ${event.endpoint.addr}: ${event.error.code} ${event.error.message}`);
        break;
      case "accepted":
        joined(event.endpoint, event.peer?.id ?? "?", "accepted");
        break;
      case "message": {
        const count = counts.get(event.endpoint);
        if (count !== undefined) {
          count.received += 1;
          count.bytesReceived += event.data.length;
        }
        console.log(`${idOf(event.endpoint)} says: ${text(event.data)}`);
        break;
      }
      case "disconnected":
        console.log(`${idOf(event.endpoint)} left${event.error === undefined ? "" : ` (${event.error.code})`}`);
        counts.delete(event.endpoint);
        break;
      case "signal":
        for (const peerId of handler.peers.ids()) {
          const endpoint = handler.peers.endpoint(peerId) as Endpoint;
          const { peerId: _, ...own } = counts.get(endpoint) ?? {};
          const stats = libraryStats(network, endpoint) ?? own;
          console.log(`stats ${peerId}: ${JSON.stringify(stats)}`);
          sendTo(peerId, `still here, ${options.id}`);
        }
        handler.signals.sendWithTimer("report", options.every);
        break;
    }
  });

  /** The id of the peer at `endpoint` (its address when it has none). */
  function idOf(endpoint: Endpoint): string {
    return counts.get(endpoint)?.peerId ?? endpoint.addr;
  }
}

const options = parse(process.argv.slice(2));
if (options === undefined || !(options.every > 0)) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  await run(options);
}
