import type { Adapter } from "./adapter.js";
import { type Clock, systemClock, type Yield, yieldWithTimeout } from "./clock.js";
import { Driver } from "./driver.js";
import { ErrorCode, NetError } from "./errors.js";
import { EventQueue, type TimerId } from "./event-queue.js";
import type { Codec } from "./layer/codec.js";
import { type GroupController, Groups } from "./layer/groups.js";
import type { IdentityOptions } from "./layer/identity/options.js";
import { Listener, type NodeListener } from "./listener.js";
import { Network, type NetworkController, type SendData } from "./network.js";
import { transportIndex } from "./resource-id.js";
import { registerTransportInfo } from "./transport.js";

/** `handler.signals`: events a program sends to itself, through the same queue as the network's. */
export interface SignalSender<S> {
  /** Queues a signal behind everything already queued. */
  send(signal: S): void;
  /** Queues a signal ahead of everything already queued (behind earlier priority signals). */
  sendWithPriority(signal: S): void;
  /** Queues a signal once `ms` have passed, never earlier. */
  sendWithTimer(signal: S, ms: number): TimerId;
  /** Stops a pending timer: `true` if it did, `false` if it already fired or was cancelled. */
  cancelTimer(id: TimerId): boolean;
}

/** The acting half of a node. */
export interface NodeHandler<S> {
  readonly network: NetworkController;
  /** Named sets of this node's connections, for broadcasting (LAYERS.md section 5). */
  readonly groups: GroupController<SendData>;
  readonly signals: SignalSender<S>;
  /** Closes every resource without events, cancels timers, drops queued events, settles the listener. Final. */
  stop(): void;
  isRunning(): boolean;
}

export interface SplitOptions<M = Uint8Array> {
  /** Custom transports, registered under their `transport` name (a built-in name is replaced). */
  adapters?: readonly Adapter<any, any>[];
  /** Messages as values: `send` encodes, `message` events carry the decoded `message` (LAYERS.md 1). */
  codec?: Codec<M>;
  /** This node's id, hello and handshake (LAYERS.md 2), on packet-based, connection-oriented transports. */
  identity?: IdentityOptions<M>;
  /** The clock for timers; tests pass a manual one. */
  clock?: Clock;
}

/** What a platform entry gives the core. */
export interface Platform {
  readonly adapters: readonly Adapter<any, any>[];
  /** The fastest way on the platform to run a callback after pending I/O. */
  readonly yieldTurn?: Yield;
}

/** @internal Binds `split` to a platform's adapters. */
export function createSplit(platform: Platform) {
  return function split<S = never>(options: SplitOptions = {}): { handler: NodeHandler<S>; listener: NodeListener<S> } {
    const clock = options.clock ?? systemClock;
    const adapters = new Map<string, Adapter>();
    for (const adapter of [...platform.adapters, ...(options.adapters ?? [])]) {
      transportIndex(adapter.transport);
      registerTransportInfo(adapter.transport, adapter.info);
      adapters.set(adapter.transport, adapter);
    }
    const queue = new EventQueue<S>(clock);
    const driver = new Driver<S>(queue);
    let running = true;
    const network = new Network<S>(adapters, driver, () => !running);
    network.nodeId = options.identity?.id;
    const groups = new Groups<SendData>(network, driver as Driver<unknown>);
    const stop = () => {
      if (!running) return;
      running = false;
      const reason = new NetError(ErrorCode.Stopped, "the node stopped");
      for (const resource of [...driver.resources.values()]) driver.drop(resource, reason);
      queue.clear();
      listener.settle();
    };
    const listener = new Listener<S>(queue, clock, platform.yieldTurn ?? yieldWithTimeout, stop);
    const signals: SignalSender<S> = {
      send: (signal) => {
        if (running) queue.pushSignal(signal);
      },
      sendWithPriority: (signal) => {
        if (running) queue.pushPrioritySignal(signal);
      },
      sendWithTimer: (signal, ms) => {
        if (typeof ms !== "number" || !(ms >= 0)) {
          throw new NetError(ErrorCode.InvalidArgument, `a timer needs a delay >= 0 ms, not ${String(ms)}`);
        }
        const id = queue.setTimer(signal, ms);
        if (!running) queue.cancelTimer(id);
        return id;
      },
      cancelTimer: (id) => queue.cancelTimer(id),
    };
    const handler: NodeHandler<S> = { network, groups, signals, stop, isRunning: () => running };
    return { handler, listener };
  };
}
