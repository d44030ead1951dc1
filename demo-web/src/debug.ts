/**
 * A read-only view of the game for the end-to-end tests (and the curious, from the console):
 * `window.__game`. Positions are the server's latest, not the interpolated ones drawn.
 */
import type { ConnectionState, GameClient } from "./client.js";
import type { NetGraph } from "./net-graph.js";
import type { NetHistory, NetSample } from "./net-history.js";

export interface DebugPlayer {
  id: number;
  name: string;
  x: number;
  y: number;
  score: number;
  self: boolean;
}

export interface GameDebug {
  readonly state: ConnectionState;
  readonly name: string;
  readonly selfId: number | undefined;
  readonly rtt: number | undefined;
  readonly tick: number | undefined;
  readonly players: DebugPlayer[];
  /** The net graph: whether it is shown, how many samples it took, its newest figures. */
  readonly net: { shown: boolean; taken: number; figures: Omit<NetSample, "at"> | undefined };
}

declare global {
  interface Window {
    __game?: GameDebug;
  }
}

export function debugView(client: GameClient, history: NetHistory, graph: NetGraph): GameDebug {
  return Object.freeze({
    get state() {
      return client.state;
    },
    get name() {
      return client.name;
    },
    get selfId() {
      return client.selfId;
    },
    get rtt() {
      return client.rtt;
    },
    get tick() {
      return client.latest?.tick;
    },
    get net() {
      return { shown: graph.shown, taken: history.taken, figures: history.figures() };
    },
    get players() {
      return (client.latest?.players ?? []).map((p) => ({
        id: p.id,
        name: client.roster.get(p.id)?.name ?? "",
        x: p.x,
        y: p.y,
        score: p.score,
        self: p.id === client.selfId,
      }));
    },
  });
}
