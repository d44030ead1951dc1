/**
 * The game demo in real Chromium against the real server: players join (over ws, or over webrtc
 * with `?transport=webrtc`), see each other move and leave; the page notices a lost server and
 * reconnects by itself when it comes back. State is read from the page's read-only `window.__game` hook and its status bar, never from pixels, and every
 * wait is Playwright's auto-waiting, bounded by its timeouts.
 */
import http from "node:http";
import { type Browser, expect, type Page, type TestInfo, test } from "@playwright/test";
import type { DebugPlayer } from "../demo-web/src/debug.js";
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

function running(): GameServerProcess {
  if (server === undefined) throw new Error("no game server is running");
  return server;
}

async function join(page: Page, name: string): Promise<Page> {
  await page.goto(`${running().url}?name=${encodeURIComponent(name)}`);
  await expect(page.locator("#conn")).toHaveText("connected");
  await expect.poll(() => players(page).then((list) => list.some((p) => p.self && p.name === name))).toBe(true);
  return page;
}

async function newPlayer(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  return join(await context.newPage(), name);
}

function players(page: Page): Promise<DebugPlayer[]> {
  return page.evaluate(() => window.__game?.players ?? []);
}

async function seen(page: Page, name: string): Promise<DebugPlayer | undefined> {
  return (await players(page)).find((p) => p.name === name);
}

async function position(page: Page, name: string): Promise<DebugPlayer> {
  await expect.poll(async () => (await seen(page, name)) !== undefined).toBe(true);
  return (await seen(page, name)) as DebugPlayer;
}

/** Where `page` last saw `name`, with the server tick of that state. */
async function sighting(page: Page, name: string): Promise<{ tick: number; x: number; y: number }> {
  const found = await page.evaluate((name) => {
    const game = window.__game;
    const player = game?.players.find((p) => p.name === name);
    return player === undefined || game?.tick === undefined ? undefined : { tick: game.tick, x: player.x, y: player.y };
  }, name);
  if (found === undefined) throw new Error(`${name} is not in the game`);
  return found;
}

/** Kept in the test's folder under test-results/, to look at. */
async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

test("two players join, see each other move, and a leaving player disappears", async ({ page, browser }, testInfo) => {
  const alice = await join(page, "alice");
  const bob = await newPlayer(browser, "bob");

  for (const player of [alice, bob]) {
    await expect(player.locator("#online")).toHaveText("2");
    await expect(player.locator("#rtt")).toHaveText(/^\d+ ms$/);
    await expect(player.locator("#scores li")).toHaveCount(2);
  }
  await position(alice, "bob");
  await position(bob, "alice");

  // Bob steers sideways with the arrows (away from the nearer wall); Alice sees him move.
  const bobBefore = await position(alice, "bob");
  const right = bobBefore.x < 480;
  await bob.keyboard.down(right ? "ArrowRight" : "ArrowLeft");
  await expect.poll(async () => Math.abs((await position(alice, "bob")).x - bobBefore.x)).toBeGreaterThan(60);
  await bob.keyboard.up(right ? "ArrowRight" : "ArrowLeft");
  expect(Math.sign((await position(alice, "bob")).x - bobBefore.x)).toBe(right ? 1 : -1);

  // Alice steers vertically with WASD; Bob sees her move.
  const aliceBefore = await position(bob, "alice");
  const down = aliceBefore.y < 300;
  await alice.keyboard.down(down ? "s" : "w");
  await expect.poll(async () => Math.abs((await position(bob, "alice")).y - aliceBefore.y)).toBeGreaterThan(60);
  await alice.keyboard.up(down ? "s" : "w");
  expect(Math.sign((await position(bob, "alice")).y - aliceBefore.y)).toBe(down ? 1 : -1);

  // Released keys stop the player: over two server ticks or more, Alice stays where she is.
  let previous = await sighting(bob, "alice");
  await expect
    .poll(async () => {
      const now = await sighting(bob, "alice");
      const still = now.tick >= previous.tick + 2 && now.x === previous.x && now.y === previous.y;
      if (now.tick >= previous.tick + 2) previous = now;
      return still;
    })
    .toBe(true);

  await screenshot(alice, testInfo, "two-players-alice");
  await screenshot(bob, testInfo, "two-players-bob");

  await bob.context().close();
  await expect(alice.locator("#online")).toHaveText("1");
  await expect.poll(async () => (await players(alice)).map((p) => p.name)).toEqual(["alice"]);
  await expect(alice.locator("#scores li")).toHaveCount(1);
});

test("the page shows a lost server and reconnects by itself when it is back", async ({ page }, testInfo) => {
  await join(page, "carol");
  await expect(page.locator("#online")).toHaveText("1");
  const port = running().port;

  await running().stop();
  server = undefined;
  await expect(page.locator("#status")).toHaveAttribute("data-state", "disconnected");
  await expect(page.locator("#conn")).toHaveText("disconnected");
  await expect(page.locator("#retry")).toHaveText(/^reconnecting in \d+ s$/);
  await expect(page.locator("#online")).toHaveText("–");
  await screenshot(page, testInfo, "server-lost");

  server = await GameServerProcess.start(port);
  // The backoff is at most 8 s (+20 % jitter) between attempts.
  await expect(page.locator("#conn")).toHaveText("connected", { timeout: 20_000 });
  await expect(page.locator("#online")).toHaveText("1");
  await expect.poll(async () => (await players(page)).map((p) => p.name)).toEqual(["carol"]);
  await expect(page.locator("#rtt")).toHaveText(/^\d+ ms$/);
  await screenshot(page, testInfo, "reconnected");
});

test("the server serves the built page with content types, and no file outside it", async ({ request }) => {
  const base = running().url;
  const index = await request.get(base);
  expect(index.status()).toBe(200);
  expect(index.headers()["content-type"]).toBe("text/html; charset=utf-8");
  const html = await index.text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  expect(style).toBeDefined();
  expect((await request.get(new URL(script as string, base).href)).headers()["content-type"]).toBe(
    "text/javascript; charset=utf-8",
  );
  expect((await request.get(new URL(style as string, base).href)).headers()["content-type"]).toBe(
    "text/css; charset=utf-8",
  );
  expect((await request.get(new URL("/no-such-file.js", base).href)).status()).toBe(404);

  // Raw paths, as a client that does not normalise them would send.
  for (const path of ["/../package.json", "/%2e%2e/package.json", "/assets/..%2f..%2f..%2fpackage.json", "/%00"]) {
    expect(await rawGet(running().port, path), path).toBe(404);
  }
});

function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, timeout: 5_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on("error", reject);
  });
}

/** Counts the page's peer connections, before any of its scripts runs (the webrtc test's proof). */
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

test("a player over webrtc (?transport=webrtc) and one over ws play together", async ({ page, browser }) => {
  // Chromium with its default flags, as a user's: it connects through the server's candidate on 127.0.0.1.
  await page.addInitScript(WATCH_PEER_CONNECTIONS);
  await page.goto(`${running().url}?name=alice&transport=webrtc`);
  await expect(page.locator("#conn")).toHaveText("connected");
  const alice = page;
  const bob = await newPlayer(browser, "bob");
  expect(await peerStates(alice)).toEqual(["connected"]);
  for (const player of [alice, bob]) {
    await expect(player.locator("#online")).toHaveText("2");
    await expect(player.locator("#rtt")).toHaveText(/^\d+ ms$/);
  }

  // Alice's inputs go over her data channel, and the states come back on it: each sees the other move.
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

  // Closing Alice's page ends her connection at once: her signalling socket closes with it.
  await alice.close();
  await expect(bob.locator("#online")).toHaveText("1");
});
