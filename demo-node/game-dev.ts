/**
 * `npm run dev`: the game server on a free port, and Vite's dev server (hot reload) for the page,
 * proxying the game's WebSocket path to it. `PORT` sets Vite's port (default 5173).
 */
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { startGameServer } from "./game/server.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const game = await startGameServer({ host: "127.0.0.1", port: 0, webRoot: here("../../demo-web/dist/") });
console.log(`game server: ${game.url} (the built page; the WebSocket is proxied from Vite)`);

// demo-web/vite.config.ts proxies the WebSocket path to this address.
process.env.GAME_SERVER = game.url;
const vite = await createServer({
  configFile: here("../../demo-web/vite.config.ts"),
  server: { port: Number(process.env.PORT ?? 5173), host: process.env.HOST ?? "127.0.0.1" },
});
await vite.listen();
vite.printUrls();

const shutdown = async () => {
  await vite.close();
  await game.close();
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
await game.done;
