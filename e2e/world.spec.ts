/**
 * The game's rules for players who leave and come back (demo-node/game/world.ts), in plain Node:
 * what the server's identity handling relies on, without a browser.
 */
import { expect, test } from "@playwright/test";
import {
  addPlayer,
  createWorld,
  dropAway,
  MAX_PLAYERS,
  type Player,
  playerOf,
  roster,
  setAway,
  setInput,
  snapshot,
  step,
  takeOver,
} from "../demo-node/game/world.js";

/** A fixed sequence, so that spots are the same on every run. */
function seeded(seed = 1): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 0x7fffffff;
    return state / 0x7fffffff;
  };
}

test("a player who left is kept aside, still and unseen, and its owner takes it over as it was", () => {
  const world = createWorld(seeded());
  const kept = addPlayer(world, "page-a", "ann") as Player;
  addPlayer(world, "page-b", "bo");
  setInput(world, kept.id, 8); // right
  step(world, 0.1);
  kept.score = 3;
  const place = { x: kept.x, y: kept.y };

  setAway(kept, 1_000);
  step(world, 0.1);
  expect(roster(world).map((p) => p.name)).toEqual(["bo"]);
  expect(snapshot(world).players.map((p) => p.id)).not.toContain(kept.id);
  expect({ x: kept.x, y: kept.y, keys: kept.keys }).toEqual({ ...place, keys: 0 });
  // Its id stays taken while it is away: a newcomer gets another.
  expect((addPlayer(world, "page-c", "cy") as Player).id).not.toBe(kept.id);

  expect(playerOf(world, "page-a")).toBe(kept);
  takeOver(kept, "ann2");
  expect(roster(world).find((p) => p.id === kept.id)?.name).toBe("ann2");
  expect(snapshot(world).players.find((p) => p.id === kept.id)).toEqual({ id: kept.id, ...place, score: 3 });
  expect(dropAway(world, Number.POSITIVE_INFINITY)).toEqual([]);
});

test("players away too long are dropped, and a full arena makes room by dropping the one away longest", () => {
  const world = createWorld(seeded(7));
  const players = Array.from({ length: MAX_PLAYERS }, (_, i) => addPlayer(world, `page-${i}`, `p${i}`) as Player);
  expect(addPlayer(world, "late", "late")).toBeUndefined(); // full of players playing

  setAway(players[3] as Player, 200);
  setAway(players[5] as Player, 100);
  expect(addPlayer(world, "late", "late")?.owner).toBe("late");
  expect(playerOf(world, "page-5")).toBeUndefined();
  expect(playerOf(world, "page-3")).toBe(players[3]);

  expect(dropAway(world, 200)).toEqual([]); // away since 200: not before it
  expect(dropAway(world, 201)).toEqual([players[3]]);
  expect(playerOf(world, "page-3")).toBeUndefined();
  expect(world.players.size).toBe(MAX_PLAYERS - 1);
});
