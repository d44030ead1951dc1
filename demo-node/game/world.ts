/**
 * The game's rules, free of any networking: players steer discs around an arena and collect orbs.
 * The server owns one `World`, feeds it inputs, and steps it at a fixed rate. A player who leaves
 * is kept aside for a while (away: not moved, not shown), so that the same owner coming back (a
 * reloaded page) takes up its disc and score where it left them.
 */
import { Input, type WorldState } from "./protocol.js";

export const ARENA = { width: 960, height: 600 } as const;
export const PLAYER_RADIUS = 18;
export const ORB_RADIUS = 8;
/** Arena units per second. */
export const PLAYER_SPEED = 260;
export const ORB_COUNT = 6;
export const MAX_PLAYERS = 32;

export interface Player {
  readonly id: number;
  /** Who plays it: the page's peer id. */
  readonly owner: string;
  name: string;
  /** Colour hue in degrees, spread by the golden angle so that neighbours differ. */
  readonly hue: number;
  x: number;
  y: number;
  keys: number;
  score: number;
  /** Since when (ms, the caller's clock) the player is away; `undefined` while playing. */
  awaySince: number | undefined;
}

export interface World {
  tick: number;
  readonly players: Map<number, Player>;
  readonly orbs: { x: number; y: number }[];
  /** Returns a number in [0, 1): injected so that the rules are deterministic under test. */
  readonly random: () => number;
  nextId: number;
}

export function createWorld(random: () => number = Math.random): World {
  const world: World = { tick: 0, players: new Map(), orbs: [], random, nextId: 1 };
  while (world.orbs.length < ORB_COUNT) world.orbs.push(randomSpot(world, ORB_RADIUS));
  return world;
}

/**
 * Adds a player at a random spot; `undefined` when the arena is full of players who are playing (a
 * full arena makes room by dropping the player away the longest).
 */
export function addPlayer(world: World, owner: string, name: string): Player | undefined {
  if (world.players.size >= MAX_PLAYERS) {
    const away = [...world.players.values()].filter((p) => p.awaySince !== undefined);
    const longest = away.sort((a, b) => (a.awaySince as number) - (b.awaySince as number))[0];
    if (longest === undefined) return undefined;
    world.players.delete(longest.id);
  }
  let id = world.nextId;
  while (world.players.has(id)) id = (id % 0xffff) + 1; // ids wrap after 65535 joins
  world.nextId = (id % 0xffff) + 1;
  const { x, y } = randomSpot(world, PLAYER_RADIUS);
  const hue = Math.round((id * 137.508) % 360);
  const player: Player = { id, owner, name, hue, x, y, keys: 0, score: 0, awaySince: undefined };
  world.players.set(id, player);
  return player;
}

/** The player of `owner`, playing or away. */
export function playerOf(world: World, owner: string): Player | undefined {
  for (const player of world.players.values()) if (player.owner === owner) return player;
  return undefined;
}

/** The player left: it stops, and is kept aside from `now` on. */
export function setAway(player: Player, now: number): void {
  player.keys = 0;
  player.awaySince = now;
}

/** The owner is back (a reloaded page, or another tab): the player plays on, under the name it has now. */
export function takeOver(player: Player, name: string): void {
  player.awaySince = undefined;
  player.name = name;
}

/** Drops the players away since before `time`, and returns them. */
export function dropAway(world: World, time: number): Player[] {
  const dropped = [...world.players.values()].filter((p) => p.awaySince !== undefined && p.awaySince < time);
  for (const player of dropped) world.players.delete(player.id);
  return dropped;
}

/** The players playing now (not away). */
export function playing(world: World): Player[] {
  return [...world.players.values()].filter((p) => p.awaySince === undefined);
}

export function setInput(world: World, id: number, keys: number): void {
  const player = world.players.get(id);
  if (player !== undefined) player.keys = keys;
}

/** Advances the world by `dt` seconds: moves every player, then lets them collect orbs. */
export function step(world: World, dt: number): void {
  world.tick++;
  for (const player of playing(world)) {
    let dx = 0;
    let dy = 0;
    if (player.keys & Input.Left) dx -= 1;
    if (player.keys & Input.Right) dx += 1;
    if (player.keys & Input.Up) dy -= 1;
    if (player.keys & Input.Down) dy += 1;
    const length = Math.hypot(dx, dy);
    if (length > 0) {
      player.x = clamp(player.x + (dx / length) * PLAYER_SPEED * dt, PLAYER_RADIUS, ARENA.width - PLAYER_RADIUS);
      player.y = clamp(player.y + (dy / length) * PLAYER_SPEED * dt, PLAYER_RADIUS, ARENA.height - PLAYER_RADIUS);
    }
    for (const [i, orb] of world.orbs.entries()) {
      if (Math.hypot(orb.x - player.x, orb.y - player.y) < PLAYER_RADIUS + ORB_RADIUS) {
        player.score++;
        world.orbs[i] = randomSpot(world, ORB_RADIUS);
      }
    }
  }
}

/** What every player is sent each tick. */
export function snapshot(world: World): WorldState {
  return {
    tick: world.tick,
    players: playing(world).map(({ id, x, y, score }) => ({ id, x, y, score })),
    orbs: world.orbs.map(({ x, y }) => ({ x, y })),
  };
}

export function roster(world: World): { id: number; hue: number; name: string }[] {
  return playing(world).map(({ id, hue, name }) => ({ id, hue, name }));
}

function randomSpot(world: World, radius: number): { x: number; y: number } {
  const margin = radius + 12;
  return {
    x: margin + world.random() * (ARENA.width - 2 * margin),
    y: margin + world.random() * (ARENA.height - 2 * margin),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
