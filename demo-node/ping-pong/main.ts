/**
 * message-io's ping-pong example, for Node: a server that counts each client's pings and clients
 * that ping it every second. It speaks the Rust example's bytes, so either side can be the Rust one.
 *
 *   npm run ping-pong -- server (tcp | framed-tcp | udp | ws) [<host>:]<port>
 *   npm run ping-pong -- client (tcp | framed-tcp | udp | ws) (<host>:<port> | <ws url>) [--interval <ms>] [--count <n>]
 *
 * "tcp" means framed-tcp, as in message-io's example: a raw tcp stream would not keep one ping
 * apart from the next.
 */
import { Transport } from "message-io";
import { runClient } from "./client.js";
import { runServer } from "./server.js";

const USAGE = `usage: ping-pong server (tcp | framed-tcp | udp | ws) [<host>:]<port>
       ping-pong client (tcp | framed-tcp | udp | ws) (<host>:<port> | <ws url>) [--interval <ms>] [--count <n>]`;

const transports: Record<string, Transport> = {
  tcp: Transport.FramedTcp,
  "framed-tcp": Transport.FramedTcp,
  udp: Transport.Udp,
  ws: Transport.Ws,
};

function fail(reason: string): never {
  console.error(`${reason}\n${USAGE}`);
  process.exit(2);
}

/** The value after `--name`, as a positive integer, or `fallback`. */
function numberOption(args: string[], name: string, fallback: number | undefined): number | undefined {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) fail(`--${name} needs a positive whole number`);
  return value;
}

const [role, transportArg, where, ...rest] = process.argv.slice(2);
const transport = transports[transportArg ?? ""];
if (transport === undefined) fail(`unknown transport "${transportArg ?? ""}"`);
if (where === undefined) fail("missing address");

if (role === "server") {
  // A bare port listens on every interface, as message-io's server does.
  await runServer(transport, /^\d+$/.test(where) ? `0.0.0.0:${where}` : where);
} else if (role === "client") {
  await runClient(transport, where, {
    intervalMs: numberOption(rest, "interval", 1000) as number,
    count: numberOption(rest, "count", undefined),
  });
} else {
  fail(`unknown role "${role ?? ""}"`);
}
