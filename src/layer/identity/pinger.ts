/**
 * `identity.ping`: a PING every interval on the node's clock, the smoothed round trip from the
 * PONGs, and the end of a peer silent for two intervals.
 */
import type { Clock } from "../../clock.js";
import { MIN_PING_INTERVAL } from "./settings.js";

/** Weight of a new round-trip sample in the smoothed `rtt` (an exponential moving average). */
const RTT_GAIN = 0.25;
/** Pings remembered while their pong is awaited: a round trip up to this many intervals is measured. */
const OUTSTANDING = 4;
/**
 * Pings a peer may send per second: twice what the shortest interval sends. Past it the peer is
 * flooding, and the connection ends (answering costs a send per ping).
 */
export const MAX_PINGS_PER_SECOND = (2 * 1000) / MIN_PING_INTERVAL;

export interface PingTarget {
  /** Sends a PING with `sequence`. */
  sendPing(sequence: number): void;
  /** The peer was silent for two intervals. */
  silent(): void;
  /** Whether reading is paused (inbound backpressure): the peer's silence is then ours. */
  isPaused(): boolean;
}

/** Measures one connection: the pinging side's `rtt`, and how recently the peer spoke. */
export class Pinger {
  rtt: number | undefined;
  private sequence = 0;
  private readonly sentAt = new Float64Array(OUTSTANDING).fill(Number.NaN);
  private readonly sentSequence = new Uint32Array(OUTSTANDING);
  private lastHeard: number;
  /** When the armed tick is due: a tick that runs later than that was held back on our side. */
  private dueAt: number;
  private timer: unknown;

  constructor(
    private readonly clock: Clock,
    private readonly interval: number,
    private readonly target: PingTarget,
  ) {
    this.lastHeard = clock.now();
    this.dueAt = this.lastHeard + interval;
    this.timer = clock.setTimeout(() => this.tick(), interval);
  }

  /** Anything arrived from the peer. */
  heard(): void {
    this.lastHeard = this.clock.now();
  }

  /** A PONG arrived: a round-trip sample if it answers a ping we remember. */
  pong(sequence: number): void {
    const slot = sequence % OUTSTANDING;
    const sentAt = this.sentAt[slot] as number;
    if (this.sentSequence[slot] !== sequence || Number.isNaN(sentAt)) return;
    this.sentAt[slot] = Number.NaN;
    const sample = this.clock.now() - sentAt;
    this.rtt = this.rtt === undefined ? sample : this.rtt + RTT_GAIN * (sample - this.rtt);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.clock.now();
    if (this.target.isPaused()) this.lastHeard = now;
    // A tick running late means our own loop was blocked or its timers throttled (a background
    // tab): the peer's answers may be waiting unread. That wait is ours, not the peer's silence.
    const late = now - this.dueAt;
    if (late > 0) this.lastHeard = Math.min(now, this.lastHeard + late);
    if (now - this.lastHeard >= 2 * this.interval) {
      this.timer = undefined;
      this.target.silent();
      return;
    }
    this.sequence = (this.sequence + 1) >>> 0;
    const slot = this.sequence % OUTSTANDING;
    this.sentSequence[slot] = this.sequence;
    this.sentAt[slot] = now;
    this.dueAt = now + this.interval;
    this.timer = this.clock.setTimeout(() => this.tick(), this.interval);
    this.target.sendPing(this.sequence);
  }
}

/** Counts a peer's pings per second, to end a flood. */
export class PingBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private count = 0;

  constructor(private readonly clock: Clock) {}

  /** One more ping: `false` once the peer sent more than `MAX_PINGS_PER_SECOND` within a second. */
  spend(): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= MAX_PINGS_PER_SECOND;
  }
}
