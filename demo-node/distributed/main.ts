/**
 * message-io's distributed example: a discovery server and participants that learn of each other
 * through it, then talk to each other directly.
 *
 *   npm run distributed -- discovery-server [<host>:<port>]
 *   npm run distributed -- participant <name> [<discovery host>:<port>] [--host <ip>]
 *
 * The discovery server listens on 127.0.0.1:5000 by default, as message-io's does. `--host` is the
 * address a participant listens on for the others (default 127.0.0.1: one machine).
 */
import { runDiscoveryServer } from "./discovery-server.js";
import { runParticipant } from "./participant.js";

const USAGE = `usage: distributed discovery-server [<host>:<port>]
       distributed participant <name> [<discovery host>:<port>] [--host <ip>]`;
const DEFAULT_DISCOVERY_ADDR = "127.0.0.1:5000";

const args = process.argv.slice(2);
const hostAt = args.indexOf("--host");
const host = hostAt < 0 ? "127.0.0.1" : args[hostAt + 1];
const [role, ...positional] = hostAt < 0 ? args : [...args.slice(0, hostAt), ...args.slice(hostAt + 2)];

if (role === "discovery-server") {
  await runDiscoveryServer(positional[0] ?? DEFAULT_DISCOVERY_ADDR);
} else if (role === "participant" && positional[0] !== undefined && host !== undefined) {
  await runParticipant(positional[0], positional[1] ?? DEFAULT_DISCOVERY_ADDR, host);
} else {
  console.error(USAGE);
  process.exitCode = 2;
}
