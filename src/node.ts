import type { Adapter } from "./adapter.js";
import { type Clock, systemClock, type Yield, yieldWithTimeout } from "./clock.js";
import { Driver } from "./driver.js";
import { ErrorCode, NetError } from "./errors.js";
import { EventQueue, type TimerId } from "./event-queue.js";
import type { Codec } from "./layer/codec.js";
import { type GroupController, Groups } from "./layer/groups.js";
import { identityAdapter } from "./layer/identity/adapter.js";
import type { IdentityOptions } from "./layer/identity/options.js";
import { PeerRegistry, type Peers } from "./layer/identity/peers.js";
import { identitySettings } from "./layer/identity/settings.js";
import { Listener, type NodeListener } from "./listener.js";
import { Network, type NetworkController, type Sendable } from "./network.js";
import { transportIndex } from "./resource-id.js";
import { Transport, transportInfo } from "./transport.js";

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

/**
 * The acting half of a node. `S` is the type of its signals; `M` the type of its messages: what its
 * codec encodes and decodes, or, without a codec, the bytes (`Uint8Array`).
 */
export interface NodeHandler<S, M = Uint8Array> {
  readonly network: NetworkController<M>;
  /** Named sets of this node's connections, for broadcasting (LAYERS.md section 5). */
  readonly groups: GroupController<Sendable<M>>;
  readonly signals: SignalSender<S>;
  /** With `identity`: the live connections by peer id (LAYERS.md section 2); always empty without. */
  readonly peers: Peers<Sendable<M>>;
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

/** A node: its two halves. */
export interface Node<S, M = Uint8Array> {
  handler: NodeHandler<S, M>;
  listener: NodeListener<S, M>;
}

/**
 * Creates a node: `handler` acts (network, signals, stop), `listener` receives its events. `S` is
 * the type of the signals the program sends itself; with a `codec`, `M` is the type of its messages.
 */
export interface Split {
  /** A node of messages: `send` encodes an `M` with the codec, `message` events carry the decoded `M`. */
  <S = never, M = Uint8Array>(options: SplitOptions<M> & { codec: Codec<M> }): Node<S, M>;
  /** A node of bytes: `send` takes `SendData`, a `message` event's `message` is its `data`. */
  <S = never>(options?: SplitOptions & { codec?: undefined }): Node<S>;
}

/** @internal Binds `split` to a platform's adapters. */
export function createSplit(platform: Platform): Split {
  return function split<S = never>(options: SplitOptions<any> = {}): Node<S, any> {
    const clock = options.clock ?? systemClock;
    const identity =
      options.identity === undefined ? undefined : identitySettings(options.identity, options.codec, clock);
    const adapters = new Map<string, Adapter>();
    for (const adapter of [...platform.adapters, ...(options.adapters ?? [])]) {
      transportIndex(adapter.transport);
      adapters.set(
        adapter.transport,
        identity !== undefined && hasHandshake(adapter) ? identityAdapter(adapter, identity) : adapter,
      );
    }
    const queue = new EventQueue<S>(clock);
    const driver = new Driver<S>(
      queue,
      options.codec,
      (transport) => adapters.get(transport)?.info ?? transportInfo(transport),
    );
    let running = true;
    const network = new Network<S>(adapters, driver, () => !running, clock);
    const peers = new PeerRegistry<unknown>((endpoint, message) => network.send(endpoint, message));
    if (identity !== undefined) driver.peers = peers;
    network.nodeId = options.identity?.id;
    const groups = new Groups<unknown>(network, driver as Driver<unknown>);
    const stop = () => {
      if (!running) return;
      running = false;
      const reason = new NetError(ErrorCode.Stopped, "the node stopped");
      for (const resource of [...driver.resources.values()]) driver.drop(resource, reason);
      queue.clear();
      listener.settle();
    };
    const listener = new Listener<S, unknown>(queue, clock, platform.yieldTurn ?? yieldWithTimeout, stop);
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
    const handler: NodeHandler<S, unknown> = { network, groups, signals, peers, stop, isRunning: () => running };
    return { handler, listener };
  };
}

/**
 * Identity runs on packet-based, connection-oriented transports; `cluster` is one, but its
 * endpoints are nodes of the cluster, not peers (LAYERS.md section 6).
 */
function hasHandshake(adapter: Adapter): boolean {
  return adapter.info.connectionOriented && adapter.info.packetBased && adapter.transport !== Transport.Cluster;
}
