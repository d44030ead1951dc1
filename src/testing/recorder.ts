/**
 * Records a node's events through `forEach` and lets a test wait for the one it expects, instead of
 * sleeping. Every wait is bounded: it rejects with what was seen when the event does not come.
 * Platform-free: the contract kit runs it wherever an adapter runs.
 */
import type { NetEvent, NodeEvent } from "../events.js";
import type { NodeListener } from "../listener.js";
import type { NodeHandler } from "../node.js";

/** A test on one event. */
export type EventPredicate<S> = (event: NodeEvent<S, any>) => boolean;

/** What `split` returns. */
export interface SplitNode<S> {
  readonly handler: NodeHandler<S>;
  readonly listener: NodeListener<S>;
}

export class Recorder<S = never> {
  readonly events: NodeEvent<S, any>[] = [];
  readonly done: Promise<void>;
  private waiters: { predicate: EventPredicate<S>; resolve(): void }[] = [];

  constructor(
    readonly node: SplitNode<S>,
    onEvent?: (event: NodeEvent<S>) => void,
  ) {
    this.done = node.listener.forEach((event) => {
      onEvent?.(event);
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(event)) return true;
        w.resolve();
        return false;
      });
    });
  }

  get handler(): NodeHandler<S> {
    return this.node.handler;
  }

  get network(): NodeHandler<S>["network"] {
    return this.node.handler.network;
  }

  /** The first matching event, recorded already or still to come. */
  waitFor<E extends NodeEvent<S, any>>(predicate: (event: NodeEvent<S, any>) => event is E, ms?: number): Promise<E>;
  waitFor(predicate: EventPredicate<S>, ms?: number): Promise<NodeEvent<S, any>>;
  async waitFor(predicate: EventPredicate<S>, ms = 20_000): Promise<NodeEvent<S, any>> {
    return (await this.waitForCount(predicate, 1, ms))[0] as NodeEvent<S, any>;
  }

  /** Resolves with every matching event once there are `count` of them. */
  waitForCount<E extends NodeEvent<S, any>>(
    predicate: (event: NodeEvent<S, any>) => event is E,
    count: number,
    ms?: number,
  ): Promise<E[]>;
  waitForCount(predicate: EventPredicate<S>, count: number, ms?: number): Promise<NodeEvent<S, any>[]>;
  waitForCount(predicate: EventPredicate<S>, count: number, ms = 20_000): Promise<NodeEvent<S, any>[]> {
    const matching = () => this.events.filter(predicate);
    if (matching().length >= count) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      let found = matching().length;
      const timer = setTimeout(() => {
        const seen = this.events.slice(-5).map(describeEvent).join(", ");
        reject(new Error(`${found}/${count} matching events after ${ms} ms; last seen: ${seen || "none"}`));
      }, ms);
      this.waiters.push({
        predicate: (event) => predicate(event) && ++found >= count,
        resolve: () => {
          clearTimeout(timer);
          resolve(matching());
        },
      });
    });
  }

  /** Events of one type, in order. */
  ofType<T extends NodeEvent<S, any>["type"]>(type: T): Extract<NodeEvent<S, any>, { type: T }>[] {
    return this.events.filter((e): e is Extract<NodeEvent<S, any>, { type: T }> => e.type === type);
  }

  /** Events about one endpoint (by key), in order. */
  about(key: string): NetEvent<any>[] {
    return this.events.filter((e): e is NetEvent<any> => e.type !== "signal" && e.endpoint.key === key);
  }

  stop(): Promise<void> {
    this.node.handler.stop();
    return this.done;
  }
}

export function describeEvent(event: NodeEvent<unknown, any>): string {
  if (event.type === "signal") return `signal(${String(event.signal)})`;
  const detail = event.type === "message" ? ` ${event.data.length}B` : "";
  return `${event.type}(${event.endpoint.key}${detail})`;
}

/** The event of type `T`. */
export type EventOf<T extends NetEvent["type"]> = Extract<NetEvent<any>, { type: T }>;
export const isMessage = (e: NodeEvent<unknown, any>): e is EventOf<"message"> => e.type === "message";
export const isConnected = (e: NodeEvent<unknown, any>): e is EventOf<"connected"> => e.type === "connected";
export const isAccepted = (e: NodeEvent<unknown, any>): e is EventOf<"accepted"> => e.type === "accepted";
export const isDisconnected = (e: NodeEvent<unknown, any>): e is EventOf<"disconnected"> => e.type === "disconnected";

/** Whether two byte arrays are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
