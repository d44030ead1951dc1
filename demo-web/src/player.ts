/**
 * Who plays on this page: a player id made once and kept in `localStorage`, so that a reloaded page
 * (or a second tab) is the same peer to the server and takes over its player, and the name shown.
 * A browser that keeps no storage (private mode, storage blocked) gets a fresh id per page: a new
 * player each time, as before identity.
 */
import { cleanName } from "../../demo-node/game/protocol.js";
import type { PlayerIdentity } from "./client.js";

const STORAGE_KEY = "orb-rush.player";
const ANIMALS = ["Otter", "Falcon", "Lynx", "Puffin", "Gecko", "Koala", "Marten", "Heron", "Bison", "Ibex", "Orca"];

/**
 * The stored player, made on the first visit. `requestedName` (the page's `?name=`) renames it, and
 * is kept for the next visits.
 */
export function pagePlayer(storage: Storage | undefined, requestedName: string | null): PlayerIdentity {
  const stored = read(storage);
  const player = {
    id: stored?.id ?? newId(),
    name: cleanName(requestedName ?? stored?.name ?? randomName()),
  };
  if (stored?.id !== player.id || stored.name !== player.name) write(storage, player);
  return player;
}

/**
 * 128 random bits in hex. `crypto.getRandomValues`, not `randomUUID`: the page is served over plain
 * http to the other machines of a network, which is no secure context, and only the former is there.
 */
/** The page's `localStorage`, unless the browser blocks it (reading the property throws then). */
export function pageStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function randomName(): string {
  return `${ANIMALS[Math.floor(Math.random() * ANIMALS.length)]}-${Math.floor(Math.random() * 100)}`;
}

function read(storage: Storage | undefined): Partial<PlayerIdentity> | undefined {
  try {
    const value: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "null");
    if (typeof value !== "object" || value === null) return undefined;
    const { id, name } = value as Record<string, unknown>;
    // An id the library would refuse (empty, or over 255 bytes) is not kept.
    const usable = typeof id === "string" && id !== "" && new TextEncoder().encode(id).length <= 255;
    return { ...(usable && { id }), ...(typeof name === "string" && { name }) };
  } catch {
    return undefined; // storage blocked, or not JSON: start afresh
  }
}

function write(storage: Storage | undefined, player: PlayerIdentity): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(player));
  } catch {
    // storage full or blocked: this page plays on, the next one is a new player
  }
}
