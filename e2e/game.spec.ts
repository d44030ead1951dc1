/**
 * The game demo in real Chromium against the real server: players join (over ws, or over webrtc
 * with `?transport=webrtc`), see each other move and leave; a reloaded page takes over its player
 * (the library's identity), a second tab of the same player replaces the first; the page notices a
 * lost server and reconnects by itself when it comes back. State is read from the page's read-only
 * `window.__game` hook and its status bar, never from pixels, and every wait is Playwright's
 * auto-waiting, bounded by its timeouts.
 */
import http from "node:http";
import { type Browser, expect, type Page, type TestInfo, test } from "@playwright/test";
import { split, Transport } from "message-io";
import { GAME_PATH, GAME_VERSION, gameCodec, type Wire } from "../demo-node/game/protocol.js";
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

/** The page's own player, once the server placed it. */
async function me(page: Page): Promise<DebugPlayer> {
  await expect.poll(async () => (await players(page)).some((p) => p.self)).toBe(true);
  return (await players(page)).find((p) => p.self) as DebugPlayer;
}

function peerId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => window.__game?.peerId);
}

/** How many times `pattern` occurs in the server's log. */
function logged(pattern: RegExp): number {
  return running().log.match(new RegExp(pattern.source, "g"))?.length ?? 0;
}

/**
 * Waits until `observer` sees `name` stand still over two server ticks or more (its keys released),
 * and returns where.
 */
async function resting(observer: Page, name: string): Promise<{ tick: number; x: number; y: number }> {
  let previous = await sighting(observer, name);
  await expect
    .poll(async () => {
      const now = await sighting(observer, name);
      const still = now.tick >= previous.tick + 2 && now.x === previous.x && now.y === previous.y;
      if (now.tick >= previous.tick + 2) previous = now;
      return still;
    })
    .toBe(true);
  return previous;
}

/**
 * Steers the page's player onto orbs until it has scored `score`: the arrow keys toward the nearest
 * orb, aimed again every poll as it moves. Releases every key at the end.
 */
async function collect(page: Page, score: number): Promise<void> {
  const held = new Set<string>();
  const hold = async (keys: string[]) => {
    for (const key of [...held].filter((key) => !keys.includes(key))) {
      await page.keyboard.up(key);
      held.delete(key);
    }
    for (const key of keys.filter((key) => !held.has(key))) {
      await page.keyboard.down(key);
      held.add(key);
    }
  };
  await expect
    .poll(
      async () => {
        const view = await page.evaluate(() => ({
          self: window.__game?.players.find((p) => p.self),
          orbs: window.__game?.orbs ?? [],
        }));
        const self = view.self;
        if (self === undefined || self.score >= score) return self?.score ?? 0;
        const distance = (orb: { x: number; y: number }) => Math.hypot(orb.x - self.x, orb.y - self.y);
        const nearest = view.orbs.reduce((best, orb) => (distance(orb) < distance(best) ? orb : best));
        const keys = [];
        if (Math.abs(nearest.x - self.x) > 10) keys.push(nearest.x > self.x ? "ArrowRight" : "ArrowLeft");
        if (Math.abs(nearest.y - self.y) > 10) keys.push(nearest.y > self.y ? "ArrowDown" : "ArrowUp");
        await hold(keys);
        return self.score;
      },
      { timeout: 30_000, intervals: [50] },
    )
    .toBeGreaterThanOrEqual(score);
  await hold([]);
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
    await expect(player.locator("#rtt")).toHaveText(/^\d+\.\d ms$/);
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
  await resting(bob, "alice");

  await screenshot(alice, testInfo, "two-players-alice");
  await screenshot(bob, testInfo, "two-players-bob");

  await bob.context().close();
  await expect(alice.locator("#online")).toHaveText("1");
  await expect.poll(async () => (await players(alice)).map((p) => p.name)).toEqual(["alice"]);
  await expect(alice.locator("#scores li")).toHaveCount(1);
});

test("the net graph (key N) plots live, non-zero figures from the library's statistics", async ({ page }, testInfo) => {
  await join(page, "dave");
  const graph = page.locator("#netgraph");
  await expect(graph).toBeHidden();
  await page.keyboard.press("n");
  await expect(graph).toBeVisible();
  const net = () => page.evaluate(() => window.__game?.net);
  // States arrive 30 times a second, and the player steers (its inputs are the page's messages out;
  // the library's pings are not counted): every figure is above zero.
  let steps = 0;
  await expect
    .poll(async () => {
      await page.keyboard.press(steps++ % 2 === 0 ? "ArrowLeft" : "ArrowRight");
      const figures = (await net())?.figures;
      return figures === undefined
        ? "no figures yet"
        : [
            figures.rtt,
            figures.messagesInPerSecond,
            figures.bytesInPerSecond,
            figures.messagesOutPerSecond,
            figures.bytesOutPerSecond,
          ].every((value) => value !== undefined && value > 0);
    })
    .toBe(true);
  const figures = (await net())?.figures;
  expect(figures?.messagesInPerSecond).toBeGreaterThan(10);
  await expect(page.locator("#net-in")).toHaveText(/^[\d.]+ msg\/s, [\d.]+ k?B\/s$/);
  await expect(page.locator("#net-out")).toHaveText(/^[\d.]+ msg\/s, [\d.]+ k?B\/s$/);
  await expect(page.locator("#net-rtt")).toHaveText(/^[\d.]+ ms$/);

  // Live: it keeps sampling, and what it draws moves on.
  const canvas = graph.locator("canvas");
  const taken = (await net())?.taken ?? 0;
  const drawn = await canvas.evaluate((element: HTMLCanvasElement) => element.toDataURL());
  await expect.poll(async () => (await net())?.taken ?? 0).toBeGreaterThan(taken + 2);
  expect(await canvas.evaluate((element: HTMLCanvasElement) => element.toDataURL())).not.toBe(drawn);
  // Something is plotted: the canvas is not just its background.
  const plotted = await canvas.evaluate((element: HTMLCanvasElement) => {
    const data = (element.getContext("2d") as CanvasRenderingContext2D).getImageData(
      0,
      0,
      element.width,
      element.height,
    ).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4)
      colours.add(((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number));
    return colours.size;
  });
  expect(plotted).toBeGreaterThan(10);
  await screenshot(page, testInfo, "net-graph");

  await page.keyboard.press("n");
  await expect(graph).toBeHidden();
});

test("the page shows a lost server and reconnects by itself when it is back", async ({ page }, testInfo) => {
  await join(page, "carol");
  await expect(page.locator("#online")).toHaveText("1");
  const port = running().port;
  const id = await peerId(page);

  await running().stop();
  server = undefined;
  // The library's `reconnect` events, in the status bar: "reconnecting (attempt n, next in t s)".
  await expect(page.locator("#status")).toHaveAttribute("data-state", "reconnecting");
  await expect(page.locator("#conn")).toHaveText("reconnecting");
  await expect(page.locator("#retry")).toHaveText(/^\(attempt \d+, next in \d+ s\)$/);
  await expect(page.locator("#conn").locator("..")).toHaveText(/^reconnecting \(attempt \d+, next in \d+ s\)$/);
  await expect(page.locator("#online")).toHaveText("–");
  await screenshot(page, testInfo, "server-lost");

  // Input while the server is away: pressed and released again and again, then one key held.
  for (let i = 0; i < 5; i++) {
    await page.keyboard.down("ArrowRight");
    await page.keyboard.up("ArrowRight");
  }
  await page.keyboard.down("ArrowUp");

  server = await GameServerProcess.start(port);
  // The backoff is at most 8 s (+20 % jitter) between attempts.
  await expect(page.locator("#conn")).toHaveText("connected", { timeout: 20_000 });
  await expect(page.locator("#online")).toHaveText("1");
  await expect.poll(async () => (await players(page)).map((p) => p.name)).toEqual(["carol"]);
  await expect(page.locator("#rtt")).toHaveText(/^\d+\.\d ms$/);
  await screenshot(page, testInfo, "reconnected");
  // The same peer id: the restarted server kept nothing, so it is a new player of that id.
  expect(await peerId(page)).toBe(id);
  expect(running().log).toMatch(new RegExp(`joined: carol \\(#\\d+\\) as ${id} `));

  // What was pressed while away is not replayed as a burst: the new server got the key still held
  // when it came back, then its release; nothing else.
  await page.keyboard.up("ArrowUp");
  await page.close();
  await expect.poll(() => running().log).toMatch(/left: carol \(#\d+\) after \d+ inputs/);
  expect(/left: carol \(#\d+\) after (\d+) inputs/.exec(running().log)?.[1]).toBe("2");
});

test("a reloaded page takes over its player: the same id, place and score, not a second player", async ({
  page,
  browser,
}, testInfo) => {
  await join(page, "erin");
  const id = await peerId(page);
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  await collect(page, 1);
  const place = await resting(page, "erin");
  const before = await me(page);
  expect(before.score).toBeGreaterThanOrEqual(1);

  await page.reload();
  await expect(page.locator("#conn")).toHaveText("connected");
  const after = await me(page);
  expect(await peerId(page)).toBe(id);
  expect(after).toEqual({ ...before, x: place.x, y: place.y });
  await expect(page.locator("#online")).toHaveText("1");
  expect((await players(page)).map((p) => p.name)).toEqual(["erin"]);
  expect(logged(/joined: erin /)).toBe(1);
  expect(running().log).toMatch(new RegExp(`back: erin \\(#${before.id}\\) as ${id} `));
  await screenshot(page, testInfo, "reloaded");

  // A page without that stored id (another browser profile) is another player.
  const other = await newPlayer(browser, "erin");
  await expect(other.locator("#online")).toHaveText("2");
  expect(await peerId(other)).not.toBe(id);
  expect((await me(other)).id).not.toBe(before.id);
});

test("a second tab of a player takes it over; the first shows it was replaced and lets it be", async ({
  page,
  browser,
}, testInfo) => {
  await join(page, "frank");
  const first = await me(page);
  // The same browser profile: the same stored id.
  const second = await join(await page.context().newPage(), "frank");
  expect(await peerId(second)).toBe(await peerId(page));
  expect((await me(second)).id).toBe(first.id);

  // The library ended the first tab's connection with REPLACED, on both sides; `reconnect` ends there.
  await expect(page.locator("#status")).toHaveAttribute("data-state", "replaced");
  await expect(page.locator("#conn").locator("..")).toHaveText("replaced (by another tab or window)");
  await expect(second.locator("#online")).toHaveText("1");
  await expect.poll(() => logged(/replaced: frank \(#\d+\) after 0 inputs/)).toBe(1);
  await screenshot(page, testInfo, "replaced");

  // Later events find the first tab still replaced and the second still playing: no tug of war.
  const grace = await newPlayer(browser, "grace");
  await expect(second.locator("#online")).toHaveText("2");
  await expect(grace.locator("#online")).toHaveText("2");
  expect(await page.evaluate(() => window.__game?.state)).toBe("replaced");
  await expect(second.locator("#conn")).toHaveText("connected");
  expect(logged(/back: frank /)).toBe(1);
  expect(logged(/replaced: frank /)).toBe(1);
});

test("the round trip shown is the library's, measured while the page sends nothing of its own", async ({ page }) => {
  await join(page, "heidi");
  await expect(page.locator("#rtt")).toHaveText(/^\d+\.\d ms$/);
  await expect
    .poll(() =>
      page.evaluate(() => {
        const game = window.__game;
        return game?.rtt !== undefined && document.querySelector("#rtt")?.textContent === `${game.rtt.toFixed(1)} ms`;
      }),
    )
    .toBe(true);
  // No key pressed: the page sent no message at all on its connection, so the rtt comes from the
  // library's pings (`identity.ping`), which its statistics do not count as messages.
  const view = await page.evaluate(() => ({ rtt: window.__game?.rtt, sent: window.__game?.sent }));
  expect(view.sent).toBe(0);
  expect(view.rtt).toBeGreaterThan(0);
});

test("a page of another version is refused at the hello, with the reason", async () => {
  const { handler, listener } = split<never, Wire>({
    codec: gameCodec(),
    identity: { id: "an-old-page", hello: { type: "hello", name: "old", version: GAME_VERSION - 1 } },
  });
  const url = new URL(GAME_PATH, running().url);
  url.protocol = "ws:";
  try {
    handler.network.connect(Transport.Ws, url.href, { reconnect: true });
    const event = await listener.enqueue().receiveTimeout(10_000);
    expect(event?.type === "connected" && !event.ok && event.error).toMatchObject({
      code: "REJECTED",
      message: `this server plays version ${GAME_VERSION}, the page is version ${GAME_VERSION - 1}: reload it`,
    });
    expect(running().log).not.toMatch(/joined: old/);
  } finally {
    handler.stop();
  }
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
    await expect(player.locator("#rtt")).toHaveText(/^\d+\.\d ms$/);
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
