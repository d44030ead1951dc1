/**
 * The page: wires the game client to the keyboard, the canvas, the status bar and the net graph, in
 * one frame loop.
 */
import { Transport } from "message-io";
import { GAME_PATH, RTC_PATH } from "../../demo-node/game/protocol.js";
import { GameClient } from "./client.js";
import { debugView } from "./debug.js";
import { watchKeys } from "./input.js";
import { NetGraph } from "./net-graph.js";
import { NetHistory } from "./net-history.js";
import { pagePlayer, pageStorage } from "./player.js";
import { Renderer } from "./render.js";
import { StatusBar } from "./status.js";

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`the page has no ${selector}`);
  return found;
}

const player = pagePlayer(pageStorage(), new URLSearchParams(location.search).get("name"));
// ?transport=webrtc: the whole game over unreliable, unordered data channels instead of a WebSocket.
const overWebRtc = new URLSearchParams(location.search).get("transport") === "webrtc";
const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${overWebRtc ? RTC_PATH : GAME_PATH}`;

const client = new GameClient(url, player, overWebRtc ? Transport.WebRtc : Transport.Ws);
const renderer = new Renderer(element<HTMLCanvasElement>("#arena"));
const status = new StatusBar(element("#status"), element("#scores"));
const history = new NetHistory();
const graph = new NetGraph(element("#netgraph"), element<HTMLCanvasElement>("#netgraph canvas"), history);
element("#me").textContent = player.name;
watchKeys(window, (keys) => client.setKeys(keys));
window.addEventListener("keydown", (event) => {
  if (event.code !== "KeyN" || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
  graph.toggle();
});
window.__game = debugView(client, history, graph);

function banner(now: number): string | undefined {
  switch (client.state) {
    case "connected":
      return client.latest === undefined ? "Joining…" : undefined;
    case "connecting":
      return "Connecting…";
    case "reconnecting": {
      const seconds = Math.max(0, Math.ceil(((client.retryAt ?? now) - now) / 1000));
      return `Server unreachable — reconnecting (attempt ${client.attempt}, next in ${seconds} s)`;
    }
    case "disconnected":
      return "Disconnected";
    case "replaced":
      // Final by design: this tab does not take the player back, which would start a tug of war.
      return "You are playing in another tab — reload this one to play here";
    case "refused":
      return `Refused by the server: ${client.reason ?? "no reason given"}`;
  }
}

// The documented game-loop pattern: drain the node's events, then draw, once per frame.
function frame(): void {
  const now = performance.now();
  client.poll();
  renderer.draw({
    arena: client.arena,
    sample: client.snapshots.sample(now),
    roster: client.roster,
    selfId: client.selfId,
    banner: banner(now),
    time: now,
  });
  status.update(client, now);
  history.update(client.stats(), now, client.rtt);
  graph.draw(now);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// A hidden tab gets no animation frames: keep handling events (pings, states) slowly meanwhile, so
// that the queue does not grow and the connection state stays true.
let hiddenPoll: ReturnType<typeof setInterval> | undefined;
document.addEventListener("visibilitychange", () => {
  clearInterval(hiddenPoll);
  hiddenPoll = document.hidden ? setInterval(() => client.poll(), 1000) : undefined;
});
