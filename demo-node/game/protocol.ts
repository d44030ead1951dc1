/**
 * The game's wire protocol, shared by the server (demo-node) and the page (demo-web).
 *
 * Binary, little-endian, one message per library message (ws is packet-based), the first byte
 * naming the kind. Binary rather than JSON because the state is broadcast to every player 30 times
 * a second: a player costs 12 bytes in it instead of ~60 of JSON text, and decoding is a few
 * DataView reads with no string parsing. Names travel only in the roster, sent when it changes.
 *
 * Decoding never throws: a malformed message (a foreign client, a scanner) decodes to `undefined`.
 */

/** Input bits: which direction keys are held. */
export const Input = { Up: 1, Down: 2, Left: 4, Right: 8 } as const;

/** The path the server's WebSocket listens on, and the page connects to. */
export const GAME_PATH = "/game";
/** The path of the same game over `webrtc` (the page's `?transport=webrtc`): its signalling socket. */
export const RTC_PATH = "/game-rtc";
export const MAX_NAME_LENGTH = 16;

const Kind = {
  Hello: 0x01,
  Input: 0x02,
  Ping: 0x03,
  Welcome: 0x81,
  Roster: 0x82,
  Pong: 0x83,
  State: 0x84,
} as const;

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

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A name as the protocol carries it: trimmed, at most `MAX_NAME_LENGTH` characters, never empty. */
export function cleanName(name: string): string {
  const clean = [...name.replace(/[\p{C}]/gu, "").trim()].slice(0, MAX_NAME_LENGTH).join("");
  return clean === "" ? "player" : clean;
}

export function encodeClient(message: ClientMessage): Uint8Array {
  switch (message.type) {
    case "hello": {
      const name = encoder.encode(cleanName(message.name));
      const bytes = new Uint8Array(2 + name.length);
      bytes[0] = Kind.Hello;
      bytes[1] = name.length;
      bytes.set(name, 2);
      return bytes;
    }
    case "input":
      return Uint8Array.of(Kind.Input, message.keys & 0x0f);
    case "ping":
      return timeMessage(Kind.Ping, message.time);
  }
}

export function decodeClient(bytes: Uint8Array): ClientMessage | undefined {
  return guarded(bytes, (view) => {
    switch (view.getUint8(0)) {
      case Kind.Hello: {
        const length = view.getUint8(1);
        if (bytes.length !== 2 + length) return undefined;
        return { type: "hello", name: cleanName(decoder.decode(bytes.subarray(2))) };
      }
      case Kind.Input:
        return bytes.length === 2 ? { type: "input", keys: view.getUint8(1) & 0x0f } : undefined;
      case Kind.Ping:
        return bytes.length === 9 ? { type: "ping", time: view.getFloat64(1, true) } : undefined;
      default:
        return undefined;
    }
  });
}

export function encodeServer(message: ServerMessage): Uint8Array {
  switch (message.type) {
    case "welcome": {
      const bytes = new Uint8Array(9);
      const view = new DataView(bytes.buffer);
      view.setUint8(0, Kind.Welcome);
      view.setUint16(1, message.id, true);
      view.setUint16(3, message.tickRate, true);
      view.setUint16(5, message.width, true);
      view.setUint16(7, message.height, true);
      return bytes;
    }
    case "roster": {
      const names = message.players.map((p) => encoder.encode(cleanName(p.name)));
      const size = 2 + names.reduce((sum, name) => sum + 5 + name.length, 0);
      const bytes = new Uint8Array(size);
      const view = new DataView(bytes.buffer);
      view.setUint8(0, Kind.Roster);
      view.setUint8(1, message.players.length);
      let at = 2;
      message.players.forEach((player, i) => {
        const name = names[i] as Uint8Array;
        view.setUint16(at, player.id, true);
        view.setUint16(at + 2, player.hue, true);
        view.setUint8(at + 4, name.length);
        bytes.set(name, at + 5);
        at += 5 + name.length;
      });
      return bytes;
    }
    case "pong":
      return timeMessage(Kind.Pong, message.time);
    case "state": {
      const bytes = new Uint8Array(7 + message.players.length * 12 + message.orbs.length * 8);
      const view = new DataView(bytes.buffer);
      view.setUint8(0, Kind.State);
      view.setUint32(1, message.tick, true);
      view.setUint8(5, message.players.length);
      let at = 6;
      for (const player of message.players) {
        view.setUint16(at, player.id, true);
        view.setFloat32(at + 2, player.x, true);
        view.setFloat32(at + 6, player.y, true);
        view.setUint16(at + 10, player.score, true);
        at += 12;
      }
      view.setUint8(at++, message.orbs.length);
      for (const orb of message.orbs) {
        view.setFloat32(at, orb.x, true);
        view.setFloat32(at + 4, orb.y, true);
        at += 8;
      }
      return bytes;
    }
  }
}

export function decodeServer(bytes: Uint8Array): ServerMessage | undefined {
  return guarded(bytes, (view) => {
    switch (view.getUint8(0)) {
      case Kind.Welcome:
        return {
          type: "welcome",
          id: view.getUint16(1, true),
          tickRate: view.getUint16(3, true),
          width: view.getUint16(5, true),
          height: view.getUint16(7, true),
        };
      case Kind.Roster: {
        const players: RosterEntry[] = [];
        let at = 2;
        for (let i = view.getUint8(1); i > 0; i--) {
          const length = view.getUint8(at + 4);
          const name = decoder.decode(bytes.subarray(at + 5, at + 5 + length));
          players.push({ id: view.getUint16(at, true), hue: view.getUint16(at + 2, true), name });
          at += 5 + length;
        }
        return at === bytes.length ? { type: "roster", players } : undefined;
      }
      case Kind.Pong:
        return bytes.length === 9 ? { type: "pong", time: view.getFloat64(1, true) } : undefined;
      case Kind.State: {
        const tick = view.getUint32(1, true);
        const players: PlayerState[] = [];
        let at = 6;
        for (let i = view.getUint8(5); i > 0; i--, at += 12) {
          players.push({
            id: view.getUint16(at, true),
            x: view.getFloat32(at + 2, true),
            y: view.getFloat32(at + 6, true),
            score: view.getUint16(at + 10, true),
          });
        }
        const orbs: { x: number; y: number }[] = [];
        for (let i = view.getUint8(at++); i > 0; i--, at += 8) {
          orbs.push({ x: view.getFloat32(at, true), y: view.getFloat32(at + 4, true) });
        }
        return at === bytes.length ? { type: "state", tick, players, orbs } : undefined;
      }
      default:
        return undefined;
    }
  });
}

function timeMessage(kind: number, time: number): Uint8Array {
  const bytes = new Uint8Array(9);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, kind);
  view.setFloat64(1, time, true);
  return bytes;
}

/** Runs a decoder; reading past the end (a RangeError) or invalid UTF-8 means a malformed message. */
function guarded<T>(bytes: Uint8Array, decode: (view: DataView) => T | undefined): T | undefined {
  if (bytes.length === 0) return undefined;
  try {
    return decode(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
}
