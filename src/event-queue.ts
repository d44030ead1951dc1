import type { Clock } from "./clock.js";
import type { NodeEvent } from "./events.js";
import { Fifo } from "./fifo.js";
import { TimerHeap } from "./timer-heap.js";

/** Identifies a timer set with `signals.sendWithTimer`. */
export type TimerId = number;

/** What a queued network event belongs to: once `dropped`, its queued events are never delivered. */
export interface EventOwner {
  readonly dropped: boolean;
  /** One of its `message` events of `bytes` bytes was taken from the queue (inbound backpressure). */
  delivered?(bytes: number): void;
}

/**
 * Work the node does when the queue reaches it rather than when it arrives (a cluster's group
 * message, handed to this node's members only after every event queued before it was delivered).
 * Its queue entry is `DEFERRED`, never delivered to the user.
 */
class Deferred implements EventOwner {
  constructor(
    private readonly owner: EventOwner,
    private readonly action: () => void,
    private readonly bytes: number,
  ) {}

  get dropped(): boolean {
    return this.owner.dropped;
  }

  run(): void {
    this.owner.delivered?.(this.bytes);
    this.action();
  }
}

const DEFERRED = Object.freeze({ type: "signal", signal: undefined }) as NodeEvent<never>;

/**
 * The node's one queue: network events and signals, delivered one at a time.
 * Priority signals come first, then the FIFO of network events and standard signals; a timer's
 * signal joins the FIFO when it is due, never earlier than asked.
 */
export class EventQueue<S> {
  private readonly priority = new Fifo<NodeEvent<S, unknown>>();
  private readonly events = new Fifo<NodeEvent<S, unknown>>();
  private readonly owners = new Fifo<EventOwner | undefined>();
  private readonly timers = new TimerHeap<S>();
  private readonly activeTimers = new Set<TimerId>();
  private cancelledInHeap = 0;
  private lastTimerId = 0;
  private armed: { due: number; handle: unknown } | undefined;

  /**
   * A coarse wall clock for `stats().lastReceivedAt`: `Date.now()` costs about 50 ns, a quarter of
   * what a small message costs the receiver, so it is read once per batch of arrivals. The listener
   * expires it when it starts taking a batch, and after every arrival it will not take in the same
   * turn (a consumer busy with a promise, a receiver): a stamp is never older than its turn.
   */
  private wall = 0;
  private wallFresh = false;

  /** Called after every push that may make an event available. */
  onAvailable: () => void = () => this.expireWallClock();

  constructor(private readonly clock: Clock) {}

  /** `Date.now()`, read again only after `expireWallClock`. */
  wallNow(): number {
    if (this.wallFresh) return this.wall;
    this.wallFresh = true;
    this.wall = Date.now();
    return this.wall;
  }

  expireWallClock(): void {
    this.wallFresh = false;
  }

  pushEvent(event: NodeEvent<S, unknown>, owner: EventOwner | undefined): void {
    this.events.push(event);
    this.owners.push(owner);
    this.onAvailable();
  }

  /** Queues `action`, run (instead of an event) once everything queued before it was delivered. */
  pushDeferred(action: () => void, bytes: number, owner: EventOwner): void {
    this.events.push(DEFERRED);
    this.owners.push(new Deferred(owner, action, bytes));
    this.onAvailable();
  }

  pushSignal(signal: S): void {
    this.pushEvent({ type: "signal", signal }, undefined);
  }

  pushPrioritySignal(signal: S): void {
    this.priority.push({ type: "signal", signal });
    this.onAvailable();
  }

  setTimer(signal: S, ms: number): TimerId {
    this.lastTimerId += 1;
    const id = this.lastTimerId;
    this.activeTimers.add(id);
    this.timers.push({ id, due: this.clock.now() + ms, value: signal });
    this.arm();
    return id;
  }

  cancelTimer(id: TimerId): boolean {
    if (!this.activeTimers.delete(id)) return false;
    // Cancelled entries leave the heap lazily; compact when they are the majority, so a program
    // that sets and cancels timeouts at a high rate keeps a small heap.
    this.cancelledInHeap += 1;
    if (this.cancelledInHeap > 64 && this.cancelledInHeap * 2 > this.timers.size) {
      this.timers.retain((entry) => this.activeTimers.has(entry.id));
      this.cancelledInHeap = 0;
    }
    if (this.activeTimers.size === 0) this.disarm();
    return true;
  }

  /** The next deliverable event, or `undefined`. Events of dropped owners are discarded here. */
  next(): NodeEvent<S, unknown> | undefined {
    const urgent = this.priority.shift();
    if (urgent !== undefined) return urgent;
    for (;;) {
      const event = this.events.shift();
      const owner = this.owners.shift();
      if (event === undefined) return undefined;
      if (owner === undefined) return event;
      if (owner.dropped) continue;
      if (event === DEFERRED) {
        (owner as Deferred).run();
        continue;
      }
      if (event.type === "message") owner.delivered?.(event.data.length);
      return event;
    }
  }

  /** Whether an event may be available (it may still belong to a dropped owner). */
  get hasPending(): boolean {
    return this.priority.length > 0 || this.events.length > 0;
  }

  /** Drops every queued event and every timer, and releases the platform timer. */
  clear(): void {
    this.priority.clear();
    this.events.clear();
    this.owners.clear();
    this.timers.clear();
    this.activeTimers.clear();
    this.cancelledInHeap = 0;
    this.disarm();
  }

  private arm(): void {
    const top = this.nextActiveTimer();
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.armed !== undefined && this.armed.due <= top.due) return;
    this.disarm();
    const delay = Math.max(0, Math.ceil(top.due - this.clock.now()));
    this.armed = { due: top.due, handle: this.clock.setTimeout(() => this.fire(), delay) };
  }

  private disarm(): void {
    if (this.armed === undefined) return;
    this.clock.clearTimeout(this.armed.handle);
    this.armed = undefined;
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    let fired = false;
    for (let top = this.nextActiveTimer(); top !== undefined && top.due <= now; top = this.nextActiveTimer()) {
      this.timers.pop();
      this.activeTimers.delete(top.id);
      this.events.push({ type: "signal", signal: top.value });
      this.owners.push(undefined);
      fired = true;
    }
    this.arm();
    if (fired) this.onAvailable();
  }

  /** The earliest timer still active, discarding cancelled ones on the way. */
  private nextActiveTimer() {
    for (let top = this.timers.peek(); top !== undefined; top = this.timers.peek()) {
      if (this.activeTimers.has(top.id)) return top;
      this.timers.pop();
      this.cancelledInHeap -= 1;
    }
    return undefined;
  }
}
