/**
 * Smooth motion from 30 states a second: the page draws the world slightly in the past, between the
 * two server states around that moment, so every player glides instead of jumping from tick to tick.
 */
import type { PlayerState, WorldState } from "../../demo-node/game/protocol.js";

/** How far in the past the page draws, in ticks: enough to always have a state on each side. */
const DELAY_TICKS = 2.5;
const KEEP = 32;

export interface Sample {
  players: PlayerState[];
  orbs: { x: number; y: number }[];
}

export class SnapshotBuffer {
  private states: WorldState[] = [];
  /** Local time minus server time (tick × tick length), as seen by the fastest state to arrive. */
  private offset: number | undefined;
  private tickMs = 1000 / 30;

  /** Forgets everything: a new connection, maybe to a restarted server whose ticks start again. */
  reset(tickRate: number): void {
    this.states = [];
    this.offset = undefined;
    this.tickMs = 1000 / tickRate;
  }

  push(state: WorldState, now: number): void {
    const last = this.states.at(-1);
    if (last !== undefined && state.tick <= last.tick) return;
    this.states.push(state);
    if (this.states.length > KEEP) this.states.shift();
    // A late state says little about the clock, an early one a lot: follow decreases at once and
    // increases (clock drift) slowly.
    const sample = now - state.tick * this.tickMs;
    if (this.offset === undefined || sample < this.offset) this.offset = sample;
    else this.offset += (sample - this.offset) * 0.02;
  }

  sample(now: number): Sample | undefined {
    const states = this.states;
    if (states.length === 0 || this.offset === undefined) return undefined;
    const tick = (now - this.offset) / this.tickMs - DELAY_TICKS;
    let i = states.length - 1;
    while (i > 0 && (states[i] as WorldState).tick > tick) i--;
    const a = states[i] as WorldState;
    const b = states[i + 1];
    if (b === undefined || tick <= a.tick) return { players: a.players, orbs: a.orbs };
    const t = Math.min(1, (tick - a.tick) / (b.tick - a.tick));
    const before = new Map(a.players.map((p) => [p.id, p]));
    const players = b.players.map((to) => {
      const from = before.get(to.id);
      if (from === undefined) return to;
      return { ...to, x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t };
    });
    return { players, orbs: a.orbs };
  }
}
