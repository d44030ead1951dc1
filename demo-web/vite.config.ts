import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Where `npm run dev` (or you) runs the game server; the page's WebSocket path is proxied there. */
const gameServer = process.env.GAME_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: here("."),
  // The page imports the library as users do; this points it at the browser build's source, so
  // neither the dev server nor the build needs the library built first.
  resolve: {
    alias: [{ find: /^message-io$/, replacement: here("../platform/browser/index.ts") }],
  },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: {
    proxy: {
      "/game": { target: gameServer, ws: true },
    },
  },
});
