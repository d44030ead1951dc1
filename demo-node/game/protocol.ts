/**
 * The game's messages, shared by the server (demo-node) and the page (demo-web). They travel as
 * values: both nodes are made with the library's `msgpack()` codec, so `send` takes a message and
 * every `message` event carries one, with no encoding written by hand. MessagePack keeps them small
 * (a number is 1 to 9 bytes, a key its length plus one) and fast to decode.
 *
 * The codec decodes any MessagePack a peer sends, so what arrives is only claimed to be a `Wire`:
 * the server checks each client message with `asClientMessage` before it believes it.
 *
 * Who plays comes from the library's identity layer, not from a message of the game: the page's
 * node has a player id of its own (kept in `localStorage`) and sends a `Hello` (its name and the
 * game's version) first; the server's `accept` refuses a hello of another version with a reason.
 */
import { msgpack } from "message-io";

/** Input bits: which direction keys are held. */
export const Input = { Up: 1, Down: 2, Left: 4, Right: 8 } as const;

/** The path the server's WebSocket listens on, and the page connects to. */
export const GAME_PATH = "/game";
/** The path of the same game over `webrtc` (the page's `?transport=webrtc`): its signalling socket. */
export const RTC_PATH = "/game-rtc";
export const MAX_NAME_LENGTH = 16;
/** The version of these messages: a page of another version is refused at the hello. */
export const GAME_VERSION = 2;
/** The server's peer id. */
export const SERVER_ID = "orb-rush-server";

/** The page's identity hello: sent by the library before any message, checked by the server's `accept`. */
export interface Hello {
  type: "hello";
  name: string;
  version: number;
}

export type ClientMessage = { type: "input"; keys: number };

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
  | ({ type: "state" } & WorldState);

/** Every message of the game, either way: the type of both nodes' messages. */
export type Wire = Hello | ClientMessage | ServerMessage;

/** The codec of both nodes. */
export const gameCodec = () => msgpack<Wire>();

/** A name as the game shows it: trimmed, at most `MAX_NAME_LENGTH` characters, never empty. */
export function cleanName(name: string): string {
  const clean = [...name.replace(/[\p{C}]/gu, "").trim()].slice(0, MAX_NAME_LENGTH).join("");
  return clean === "" ? "player" : clean;
}

/** The hello a page sends as `name`. */
export function hello(name: string): Hello {
  return { type: "hello", name: cleanName(name), version: GAME_VERSION };
}

/**
 * A peer's hello, cleaned, if it is one of this version; else the reason it is refused, which the
 * page shows. Only a claim, like any message: checked field by field.
 */
export function readHello(message: unknown): Hello | string {
  const { type, name, version } = (typeof message === "object" && message !== null ? message : {}) as Partial<Hello>;
  if (type !== "hello" || typeof name !== "string") return "not a player of Orb Rush";
  if (version !== GAME_VERSION) {
    return `this server plays version ${GAME_VERSION}, the page is version ${String(version)}: reload it`;
  }
  return { type, name: cleanName(name), version };
}

/** The server's `accept`: `true` for a hello of this version, else the reason. */
export function acceptHello(message: unknown): true | string {
  const hello = readHello(message);
  return typeof hello === "string" ? hello : true;
}

/**
 * What a client sent, if it is a client message: anything else (a foreign client, a scanner, a
 * server message sent back) is `undefined`. Names are cleaned here, input bits masked.
 */
export function asClientMessage(message: unknown): ClientMessage | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { type, keys } = message as Record<string, unknown>;
  return type === "input" && typeof keys === "number" ? { type, keys: keys & 0x0f } : undefined;
}

/** A server message by its `type` (the page trusts the server it connected to for the rest). */
export function asServerMessage(message: Wire): ServerMessage | undefined {
  switch (message.type) {
    case "welcome":
    case "roster":
    case "state":
      return message;
    default:
      return undefined;
  }
}
