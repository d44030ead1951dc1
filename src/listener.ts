import type { Clock, Yield } from "./clock.js";
import { ErrorCode, NetError } from "./errors.js";
import type { EventQueue } from "./event-queue.js";
import type { NodeEvent } from "./events.js";
import { Fifo } from "./fifo.js";

/** Receives a node's events: exactly one consumer, `forEach` or `enqueue`. `M`: see `NodeHandler`. */
export interface NodeListener<S, M = Uint8Array> {
  /**
   * Delivers every event, one at a time, in order; a returned promise holds the next event back
   * until it settles. Resolves when the node stops; rejects (and stops the node) when the callback
   * throws or rejects.
   */
  forEach(callback: (event: NodeEvent<S, M>) => void | PromiseLike<void>): Promise<void>;
  /** Hands the events to a receiver to pull from: for game loops and `for await`. */
  enqueue(): EventReceiver<S, M>;
}

/** Pulls a node's events. Iterating it with `for await` ends when the node stops. */
export interface EventReceiver<S, M = Uint8Array> extends AsyncIterable<NodeEvent<S, M>> {
  /** The next event if one is queued, else `undefined` at once (`undefined` too once stopped). */
  tryReceive(): NodeEvent<S, M> | undefined;
  /** The next event; rejects with `STOPPED` when the node stops first. */
  receive(): Promise<NodeEvent<S, M>>;
  /** The next event, or `undefined` when none came within `ms`; rejects with `STOPPED` when the node stops first. */
  receiveTimeout(ms: number): Promise<NodeEvent<S, M> | undefined>;
}

/** Events delivered by `forEach` before it lets the event loop run I/O again. */
const BATCH = 1024;

/**
 * Schedules a drain as a microtask. Node's `queueMicrotask` allocates an `AsyncResource` and a
 * bound function per call; a reaction on a settled promise costs a fraction of that (measured: a
 * 1-byte round trip 3% faster), and `drain` catches every error itself.
 */
const resolved = Promise.resolve();

interface Waiter<S, M> {
  resolve(event: NodeEvent<S, M> | undefined): void;
  reject(error: NetError): void;
  timer?: unknown;
  done: boolean;
}

/** @internal The listener half of a node. */
export class Listener<S, M = Uint8Array> implements NodeListener<S, M>, EventReceiver<S, M> {
  private consumer: "none" | "forEach" | "receiver" = "none";
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private finished: { resolve(): void; reject(error: unknown): void } | undefined;
  private callback: (event: NodeEvent<S, M>) => void | PromiseLike<void> = () => {};
  private scheduled = false;
  private draining = false;
  private busy = false;
  private readonly waiters = new Fifo<Waiter<S, M>>();

  constructor(
    private readonly queue: EventQueue<S>,
    private readonly clock: Clock,
    private readonly yieldTurn: Yield,
    private readonly stopNode: () => void,
  ) {}

  forEach(callback: (event: NodeEvent<S, M>) => void | PromiseLike<void>): Promise<void> {
    this.claim("forEach");
    this.callback = callback;
    const done = new Promise<void>((resolve, reject) => {
      this.finished = { resolve, reject };
    });
    if (this.stopped) this.settle();
    else {
      this.queue.onAvailable = () => this.schedule();
      if (this.queue.hasPending) this.schedule();
    }
    return done;
  }

  enqueue(): EventReceiver<S, M> {
    this.claim("receiver");
    this.queue.onAvailable = () => {
      this.wakeWaiters();
      this.queue.expireWallClock(); // a receiver takes events one by one, when it pleases
    };
    return this;
  }

  tryReceive(): NodeEvent<S, M> | undefined {
    return this.stopped ? undefined : this.next();
  }

  receive(): Promise<NodeEvent<S, M>> {
    return this.wait(undefined) as Promise<NodeEvent<S, M>>;
  }

  receiveTimeout(ms: number): Promise<NodeEvent<S, M> | undefined> {
    return this.wait(ms);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<NodeEvent<S, M>> {
    while (!this.stopped) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof NetError && error.code === ErrorCode.Stopped) return;
        throw error;
      }
    }
  }

  /** @internal Called once by `stop()`: ends the consumer. */
  settle(): void {
    this.stopped = true;
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) {
      if (w.done) continue;
      w.done = true;
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      w.reject(new NetError(ErrorCode.Stopped, "the node stopped"));
    }
    const finished = this.finished;
    this.finished = undefined;
    if (finished === undefined) return;
    if (this.failure !== undefined) finished.reject(this.failure.error);
    else finished.resolve();
  }

  private claim(kind: "forEach" | "receiver"): void {
    if (this.consumer !== "none") {
      throw new NetError(ErrorCode.ListenerInUse, `the listener already has its consumer (${this.consumer})`);
    }
    this.consumer = kind;
  }

  /** The node's queue typed with this node's message type (the queue itself holds any). */
  private next(): NodeEvent<S, M> | undefined {
    return this.queue.next() as NodeEvent<S, M> | undefined;
  }

  private schedule(): void {
    // Arrivals until the scheduled drain share one wall-clock reading (event-queue.ts); any other
    // arrival reads the clock again.
    if (this.scheduled) return;
    if (this.draining || this.busy || this.stopped) {
      this.queue.expireWallClock();
      return;
    }
    this.scheduled = true;
    resolved.then(this.drain);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    this.queue.expireWallClock();
    this.draining = true;
    try {
      for (let budget = BATCH; !this.stopped; budget--) {
        if (budget === 0) {
          // Let the event loop run I/O before going on, so a signal loop cannot starve the network.
          this.scheduled = true;
          this.yieldTurn(this.drain);
          return;
        }
        const event = this.next();
        if (event === undefined) return;
        const result = this.callback(event);
        if (result !== undefined && typeof result.then === "function") {
          this.busy = true;
          result.then(this.resume, this.fail);
          return;
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.draining = false;
    }
  };

  private readonly resume = (): void => {
    this.busy = false;
    if (!this.scheduled) this.drain();
  };

  private readonly fail = (error: unknown): void => {
    if (this.stopped) return;
    this.failure = { error };
    this.stopNode();
  };

  private wait(ms: number | undefined): Promise<NodeEvent<S, M> | undefined> {
    if (this.stopped) return Promise.reject(new NetError(ErrorCode.Stopped, "the node is stopped"));
    if (ms !== undefined && !(ms >= 0)) {
      return Promise.reject(new NetError(ErrorCode.InvalidArgument, `a timeout must be >= 0 ms, not ${ms}`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter<S, M> = { resolve, reject, done: false };
      this.waiters.push(waiter);
      this.wakeWaiters();
      if (waiter.done || ms === undefined) return;
      waiter.timer = this.clock.setTimeout(() => {
        if (waiter.done) return;
        waiter.done = true;
        resolve(undefined);
      }, ms);
    });
  }

  private wakeWaiters(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters.peek() as Waiter<S, M>;
      if (waiter.done) {
        this.waiters.shift();
        continue;
      }
      const event = this.next();
      if (event === undefined) return;
      this.waiters.shift();
      waiter.done = true;
      if (waiter.timer !== undefined) this.clock.clearTimeout(waiter.timer);
      waiter.resolve(event);
    }
  }
}
