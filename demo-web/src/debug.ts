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
  /** Why the connection ended, when it did. */
  readonly reason: string | undefined;
  /** The player id this page connects as (the library's peer id), kept in `localStorage`. */
  readonly peerId: string;
  readonly name: string;
  readonly selfId: number | undefined;
  /** The library's round trip (`stats(endpoint).rtt`). */
  readonly rtt: number | undefined;
  /** Messages this page sent on its connection now (`stats(endpoint).messagesSent`): its inputs. */
  readonly sent: number | undefined;
  readonly tick: number | undefined;
  readonly players: DebugPlayer[];
  readonly orbs: { x: number; y: number }[];
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
    get reason() {
      return client.reason;
    },
    get peerId() {
      return client.player.id;
    },
    get name() {
      return client.player.name;
    },
    get selfId() {
      return client.selfId;
    },
    get rtt() {
      return client.rtt;
    },
    get sent() {
      return client.stats()?.messagesSent;
    },
    get tick() {
      return client.latest?.tick;
    },
    get net() {
      return { shown: graph.shown, taken: history.taken, figures: history.figures() };
    },
    get orbs() {
      return client.latest?.orbs ?? [];
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
