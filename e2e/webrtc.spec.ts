/**
 * The game demo over `webrtc` (`?transport=webrtc`): a player whose page plays over a data channel
 * and one over `ws` join the same game and see each other move. Chromium runs with its default
 * flags, as a user's does: it connects through the server's host candidate on 127.0.0.1.
 */
import { expect, type Page, test } from "@playwright/test";
import { GameServerProcess } from "./game-server.js";

let server: GameServerProcess | undefined;

test.beforeEach(async () => {
  server = await GameServerProcess.start();
});

// biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a hook uses from this pattern
test.afterEach(async ({}, testInfo) => {
  if (server !== undefined && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach("game-server.log", { body: server.log, contentType: "text/plain" });
  }
  await server?.stop();
  server = undefined;
});

/** Counts the page's peer connections and remembers their states, before any of its scripts runs. */
const WATCH_PEER_CONNECTIONS = () => {
  const Native = window.RTCPeerConnection;
  const seen: RTCPeerConnection[] = [];
  (window as unknown as { __peers: RTCPeerConnection[] }).__peers = seen;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof Native>) {
      super(...args);
      seen.push(this);
    }
  } as typeof Native;
};

const peerStates = (page: Page) =>
  page.evaluate(() => (window as unknown as { __peers: RTCPeerConnection[] }).__peers.map((pc) => pc.connectionState));

async function join(page: Page, name: string, transport: "ws" | "webrtc"): Promise<Page> {
  await page.addInitScript(WATCH_PEER_CONNECTIONS);
  await page.goto(`${server!.url}?name=${name}&transport=${transport}`);
  await expect(page.locator("#conn")).toHaveText("connected");
  return page;
}

const position = async (page: Page, name: string) => {
  await expect
    .poll(() => page.evaluate((n) => window.__game?.players.some((p) => p.name === n) ?? false, name))
    .toBe(true);
  return page.evaluate((n) => window.__game!.players.find((p) => p.name === n)!, name);
};

test("a player over webrtc and one over ws play together", async ({ page, browser }) => {
  const alice = await join(page, "alice", "webrtc");
  const bob = await join(await (await browser.newContext()).newPage(), "bob", "ws");
  expect(await peerStates(alice)).toEqual(["connected"]);
  expect(await peerStates(bob)).toEqual([]);
  for (const player of [alice, bob]) {
    await expect(player.locator("#online")).toHaveText("2");
    await expect(player.locator("#rtt")).toHaveText(/^\d+ ms$/);
  }

  // Alice's inputs go over her data channel; Bob sees her move. Bob's states reach her the same way.
  const aliceBefore = await position(bob, "alice");
  const down = aliceBefore.y < 300;
  await alice.keyboard.down(down ? "s" : "w");
  await expect.poll(async () => Math.abs((await position(bob, "alice")).y - aliceBefore.y)).toBeGreaterThan(60);
  await alice.keyboard.up(down ? "s" : "w");

  const bobBefore = await position(alice, "bob");
  const right = bobBefore.x < 480;
  await bob.keyboard.down(right ? "ArrowRight" : "ArrowLeft");
  await expect.poll(async () => Math.abs((await position(alice, "bob")).x - bobBefore.x)).toBeGreaterThan(60);
  await bob.keyboard.up(right ? "ArrowRight" : "ArrowLeft");

  // Closing Alice's page ends her connection: the server notices at once through her signalling socket.
  await alice.close();
  await expect(bob.locator("#online")).toHaveText("1");
});
