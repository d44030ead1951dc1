/**
 * The game's rules, free of any networking: players steer discs around an arena and collect orbs.
 * The server owns one `World`, feeds it inputs, and steps it at a fixed rate.
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
  readonly name: string;
  /** Colour hue in degrees, spread by the golden angle so that neighbours differ. */
  readonly hue: number;
  x: number;
  y: number;
  keys: number;
  score: number;
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

/** Adds a player at a random spot; `undefined` when the arena is full. */
export function addPlayer(world: World, name: string): Player | undefined {
  if (world.players.size >= MAX_PLAYERS) return undefined;
  let id = world.nextId;
  while (world.players.has(id)) id = (id % 0xffff) + 1; // ids wrap after 65535 joins
  world.nextId = (id % 0xffff) + 1;
  const { x, y } = randomSpot(world, PLAYER_RADIUS);
  const player: Player = { id, name, hue: Math.round((id * 137.508) % 360), x, y, keys: 0, score: 0 };
  world.players.set(id, player);
  return player;
}

export function removePlayer(world: World, id: number): boolean {
  return world.players.delete(id);
}

export function setInput(world: World, id: number, keys: number): void {
  const player = world.players.get(id);
  if (player !== undefined) player.keys = keys;
}

/** Advances the world by `dt` seconds: moves every player, then lets them collect orbs. */
export function step(world: World, dt: number): void {
  world.tick++;
  for (const player of world.players.values()) {
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
    players: [...world.players.values()].map(({ id, x, y, score }) => ({ id, x, y, score })),
    orbs: world.orbs.map(({ x, y }) => ({ x, y })),
  };
}

export function roster(world: World): { id: number; hue: number; name: string }[] {
  return [...world.players.values()].map(({ id, hue, name }) => ({ id, hue, name }));
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
