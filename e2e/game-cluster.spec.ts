/**
 * The clustered game (`npm run start:cluster`): two server processes share one port and meet
 * through a Redis the command starts. Pages land on either process (a player's id tells which:
 * each process numbers its players from its own thousand); every page's scoreboard and "online"
 * count list the players of both, and a player leaving one process leaves every page's list.
 */
import { type Browser, expect, type Page, test } from "@playwright/test";
import { GameServerProcess } from "./game-server.js";

let server: GameServerProcess | undefined;

test.beforeEach(async () => {
  server = await GameServerProcess.start(0, "dist/demo-node/game-cluster.js", { WORKERS: "2" });
});

// biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a hook uses from this pattern
test.afterEach(async ({}, testInfo) => {
  if (server !== undefined && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach("game-cluster.log", { body: server.log, contentType: "text/plain" });
  }
  await server?.stop();
  server = undefined;
});

/** A new player's page, once it has its id: which process it landed on. */
async function player(browser: Browser, name: string): Promise<{ page: Page; process: number }> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(`${server?.url}?name=${encodeURIComponent(name)}`);
  await expect(page.locator("#conn")).toHaveText("connected");
  await expect.poll(() => page.evaluate(() => window.__game?.selfId)).toBeDefined();
  const id = (await page.evaluate(() => window.__game?.selfId)) as number;
  return { page, process: Math.floor((id - 1) / 1000) };
}

test("players on different processes see each other in the roster, and see each other leave", async ({ browser }) => {
  // Connections are spread over the processes: open players until two processes have one each.
  const players: { page: Page; process: number; name: string }[] = [];
  for (let i = 0; i < 8 && new Set(players.map((p) => p.process)).size < 2; i++) {
    const name = `p${i}`;
    players.push({ ...(await player(browser, name)), name });
  }
  const first = players[0] as (typeof players)[0];
  const other = players.find((p) => p.process !== first.process);
  expect(other, "two players on different processes").toBeDefined();
  const elsewhere = other as (typeof players)[0];

  for (const { page } of players) {
    await expect(page.locator("#online")).toHaveText(String(players.length));
    for (const { name } of players) await expect(page.locator("#scores")).toContainText(name);
  }
  await elsewhere.page.context().close(); // leaves its process: every page of the other one hears of it
  await expect(first.page.locator("#online")).toHaveText(String(players.length - 1));
  await expect(first.page.locator("#scores")).not.toContainText(elsewhere.name);
});
