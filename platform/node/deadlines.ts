/**
 * The deadlines that close slow or silent peers: the first byte (`handshakeTimeout`), a message
 * started but not finished (`frameTimeout`) and silence (`idleTimeout`). One timer per connection
 * serves all three, re-armed only when it fires: the receive path merely stamps the time, so a busy
 * connection pays a clock read per chunk, never a timer operation.
 */
import { performance } from "node:perf_hooks";
import { ErrorCode, NetError } from "../../src/index.js";

/** The timeouts of one connection in ms; `0` or absent is off. */
export interface DeadlineOptions {
  handshakeTimeout?: number | undefined;
  frameTimeout?: number | undefined;
  idleTimeout?: number | undefined;
}

export class Deadlines {
  private readonly handshake: number;
  private readonly frame: number;
  private readonly idle: number;
  /** When the connection started waiting for its first byte, or `-1` once it came. */
  private firstByteSince: number;
  /** When the last byte came (idle), or the unfinished message began (frame, `-1` when none). */
  private lastReceived: number;
  private partialSince = -1;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires, to know whether a nearer deadline needs it re-armed. */
  private armedFor = Number.POSITIVE_INFINITY;

  /** `expired` is called once, with the reason, when a deadline passes. */
  constructor(
    options: DeadlineOptions,
    private readonly addr: string,
    private readonly expired: (error: NetError) => void,
  ) {
    this.handshake = options.handshakeTimeout ?? 0;
    this.frame = options.frameTimeout ?? 0;
    this.idle = options.idleTimeout ?? 0;
    const now = performance.now();
    this.firstByteSince = this.handshake > 0 ? now : -1;
    this.lastReceived = now;
    this.schedule(now);
  }

  /** Whether any deadline is on: when none is, the connection need not call `received`. */
  get active(): boolean {
    return this.handshake > 0 || this.frame > 0 || this.idle > 0;
  }

  /**
   * Bytes arrived. `unfinished` is how many bytes of an incomplete message the decoder now holds,
   * and `completed` whether this chunk finished at least one message.
   */
  received(unfinished: number, completed: boolean): void {
    const now = this.idle > 0 || this.firstByteSince >= 0 ? performance.now() : 0;
    this.lastReceived = now;
    this.firstByteSince = -1;
    if (this.frame > 0) {
      if (unfinished === 0) {
        this.partialSince = -1;
      } else if (this.partialSince < 0 || completed) {
        // A new message began in this chunk: its clock starts now.
        this.partialSince = performance.now();
        if (this.partialSince + this.frame < this.armedFor) this.arm(this.partialSince + this.frame);
      }
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  /**
   * We stopped reading (inbound backpressure), so the peer's silence is ours: the clocks stop, and
   * `resume` restarts them from then.
   */
  pause(): void {
    this.stop();
  }

  resume(): void {
    const now = performance.now();
    this.lastReceived = now;
    if (this.partialSince >= 0) this.partialSince = now;
    this.schedule(now);
  }

  private readonly check = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const missed = this.missed(now);
    if (missed === undefined) this.schedule(now);
    else this.expired(new NetError(ErrorCode.Timeout, missed));
  };

  private missed(now: number): string | undefined {
    const peer = this.addr;
    if (this.firstByteSince >= 0 && now - this.firstByteSince >= this.handshake) {
      return `${peer} sent nothing within handshakeTimeout (${this.handshake} ms)`;
    }
    if (this.partialSince >= 0 && now - this.partialSince >= this.frame) {
      return `${peer} did not finish a message within frameTimeout (${this.frame} ms)`;
    }
    if (this.idle > 0 && now - this.lastReceived >= this.idle) {
      return `${peer} sent nothing for idleTimeout (${this.idle} ms)`;
    }
    return undefined;
  }

  /** Arms the timer for the nearest deadline still ahead, if any. */
  private schedule(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    if (this.firstByteSince >= 0) next = Math.min(next, this.firstByteSince + this.handshake);
    if (this.partialSince >= 0) next = Math.min(next, this.partialSince + this.frame);
    if (this.idle > 0) next = Math.min(next, this.lastReceived + this.idle);
    if (next !== Number.POSITIVE_INFINITY) this.arm(Math.max(next, now));
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = at;
    // Node may fire a timer up to a millisecond before `performance.now()` says it is due: round up.
    this.timer = setTimeout(this.check, Math.max(1, Math.ceil(at - performance.now())));
    this.timer.unref();
  }
}
