/** The page: wires the game client to the keyboard, the canvas and the status bar, in one frame loop. */
import { Transport } from "message-io";
import { cleanName, GAME_PATH, RTC_PATH } from "../../demo-node/game/protocol.js";
import { GameClient } from "./client.js";
import { debugView } from "./debug.js";
import { watchKeys } from "./input.js";
import { Renderer } from "./render.js";
import { StatusBar } from "./status.js";

const ANIMALS = ["Otter", "Falcon", "Lynx", "Puffin", "Gecko", "Koala", "Marten", "Heron", "Bison", "Ibex", "Orca"];

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`the page has no ${selector}`);
  return found;
}

const requested = new URLSearchParams(location.search).get("name");
const name = cleanName(
  requested ?? `${ANIMALS[Math.floor(Math.random() * ANIMALS.length)]}-${Math.floor(Math.random() * 100)}`,
);
const overWebRtc = new URLSearchParams(location.search).get("transport") === "webrtc";
const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${overWebRtc ? RTC_PATH : GAME_PATH}`;

const client = new GameClient(url, name, overWebRtc ? Transport.WebRtc : Transport.Ws);
const renderer = new Renderer(element<HTMLCanvasElement>("#arena"));
const status = new StatusBar(element("#status"), element("#scores"));
element("#me").textContent = name;
watchKeys(window, (keys) => client.setKeys(keys));
window.__game = debugView(client);

function banner(now: number): string | undefined {
  switch (client.state) {
    case "connected":
      return client.latest === undefined ? "Joining…" : undefined;
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return "Reconnecting…";
    case "disconnected": {
      const seconds = Math.max(0, Math.ceil(((client.retryAt ?? now) - now) / 1000));
      return `Server unreachable — reconnecting in ${seconds} s`;
    }
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
  requestAnimationFrame(frame);

  // A hidden tab gets no animation frames: keep handling events (pings, states) slowly meanwhile, so
  // that the queue does not grow and the connection state stays true.
  let hiddenPoll: ReturnType<typeof setInterval> | undefined;
  document.addEventListener("visibilitychange", () => {
    clearInterval(hiddenPoll);
    hiddenPoll = document.hidden ? setInterval(() => client.poll(), 1000) : undefined;
  });
}
requestAnimationFrame(frame);

// A hidden tab gets no animation frames: keep handling events (pings, states) slowly meanwhile, so
// that the queue does not grow and the connection state stays true.
let hiddenPoll: ReturnType<typeof setInterval> | undefined;
document.addEventListener("visibilitychange", () => {
  clearInterval(hiddenPoll);
  hiddenPoll = document.hidden ? setInterval(() => client.poll(), 1000) : undefined;
});
