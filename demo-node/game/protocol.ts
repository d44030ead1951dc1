/**
 * The game's messages, shared by the server (demo-node) and the page (demo-web). They travel as
 * values: both nodes are made with the library's `msgpack()` codec, so `send` takes a message and
 * every `message` event carries one, with no encoding written by hand. MessagePack keeps them small
 * (a number is 1 to 9 bytes, a key its length plus one) and fast to decode.
 *
 * The codec decodes any MessagePack a peer sends, so what arrives is only claimed to be a `Wire`:
 * the server checks each client message with `asClientMessage` before it believes it.
 */
import { msgpack } from "message-io";

/** Input bits: which direction keys are held. */
export const Input = { Up: 1, Down: 2, Left: 4, Right: 8 } as const;

/** The path the server's WebSocket listens on, and the page connects to. */
export const GAME_PATH = "/game";
export const MAX_NAME_LENGTH = 16;

export type ClientMessage =
  | { type: "hello"; name: string }
  | { type: "input"; keys: number }
  | { type: "ping"; time: number };

export interface RosterEntry {
  id: number;
  hue: number;
  name: string;
}

export interface PlayerState {
  id: number;
  x: number;
  y: number;
  score: number;
}

export interface WorldState {
  tick: number;
  players: PlayerState[];
  orbs: { x: number; y: number }[];
}

export type ServerMessage =
  | { type: "welcome"; id: number; tickRate: number; width: number; height: number }
  | { type: "roster"; players: RosterEntry[] }
  | { type: "pong"; time: number }
  | ({ type: "state" } & WorldState);

/** Every message of the game, either way: the type of both nodes' messages. */
export type Wire = ClientMessage | ServerMessage;

/** The codec of both nodes. */
export const gameCodec = () => msgpack<Wire>();

/** A name as the game shows it: trimmed, at most `MAX_NAME_LENGTH` characters, never empty. */
export function cleanName(name: string): string {
  const clean = [...name.replace(/[\p{C}]/gu, "").trim()].slice(0, MAX_NAME_LENGTH).join("");
  return clean === "" ? "player" : clean;
}

/**
 * What a client sent, if it is a client message: anything else (a foreign client, a scanner, a
 * server message sent back) is `undefined`. Names are cleaned here, input bits masked.
 */
export function asClientMessage(message: unknown): ClientMessage | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { type, name, keys, time } = message as Record<string, unknown>;
  switch (type) {
    case "hello":
      return typeof name === "string" ? { type, name: cleanName(name) } : undefined;
    case "input":
      return typeof keys === "number" ? { type, keys: keys & 0x0f } : undefined;
    case "ping":
      return typeof time === "number" ? { type, time } : undefined;
    default:
      return undefined;
  }
}

/** A server message by its `type` (the page trusts the server it connected to for the rest). */
export function asServerMessage(message: Wire): ServerMessage | undefined {
  switch (message.type) {
    case "welcome":
    case "roster":
    case "pong":
    case "state":
      return message;
    default:
      return undefined;
  }
}
