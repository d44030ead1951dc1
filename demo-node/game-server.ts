/**
 * The game demo's server: serves the page built in demo-web/dist and the game's WebSocket on one
 * port. `HOST` (default 0.0.0.0: every interface, so other machines of the network can join) and
 * `PORT` (default 8080; 0 picks a free one) set where. It prints `game server: http://host:port/`
 * with the real port, then, when it listens on every interface, this machine's other addresses.
 */
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { startGameServer } from "./game/server.js";

const host = process.env.HOST ?? "0.0.0.0";
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`game server: PORT must be a port number (0-65535), not "${process.env.PORT}"`);
  process.exit(2);
}
const webRoot = fileURLToPath(new URL("../../demo-web/dist/", import.meta.url));

const server = await startGameServer({ host, port, webRoot }).catch((error: NodeJS.ErrnoException) => {
  const hint = error.code === "EADDRINUSE" ? ` (port ${port} is taken: set PORT to another, or 0 for any)` : "";
  console.error(`game server: cannot listen on ${host}:${port}: ${error.message}${hint}`);
  process.exit(1);
});
console.log(`game server: ${server.url}`);
if (host === "0.0.0.0" || host === "::") {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal && address.family === "IPv4");
  const others = addresses.map((address) => `http://${address?.address}:${server.port}/`);
  console.log(
    `  listening on every interface (HOST=127.0.0.1 for this machine only)${others.length > 0 ? `; also ${others.join(" ")}` : ""}`,
  );
}

const shutdown = () => void server.close();
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
await server.done;
