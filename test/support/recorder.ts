/**
 * Records a node's events through `forEach` and lets a test wait for the one it expects, instead of
 * sleeping. Every wait is bounded: it rejects with what was seen when the event does not come.
 */
import { type NetEvent, type NodeEvent, split } from "message-io";

export { concatBytes, patternBytes } from "./bytes.js";

type Predicate<S> = (event: NodeEvent<S>) => boolean;

export class Recorder<S = never> {
  readonly events: NodeEvent<S>[] = [];
  readonly done: Promise<void>;
  private waiters: { predicate: Predicate<S>; resolve(): void }[] = [];

  constructor(
    readonly node: ReturnType<typeof split<S>>,
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

  get handler() {
    return this.node.handler;
  }

  get network() {
    return this.node.handler.network;
  }

  /** The first matching event, recorded already or still to come. */
  waitFor<E extends NodeEvent<S>>(predicate: (event: NodeEvent<S>) => event is E, ms?: number): Promise<E>;
  waitFor(predicate: Predicate<S>, ms?: number): Promise<NodeEvent<S>>;
  async waitFor(predicate: Predicate<S>, ms = 20_000): Promise<NodeEvent<S>> {
    return (await this.waitForCount(predicate, 1, ms))[0] as NodeEvent<S>;
  }

  /** Resolves with every matching event once there are `count` of them. */
  waitForCount<E extends NodeEvent<S>>(
    predicate: (event: NodeEvent<S>) => event is E,
    count: number,
    ms?: number,
  ): Promise<E[]>;
  waitForCount(predicate: Predicate<S>, count: number, ms?: number): Promise<NodeEvent<S>[]>;
  waitForCount(predicate: Predicate<S>, count: number, ms = 20_000): Promise<NodeEvent<S>[]> {
    const matching = () => this.events.filter(predicate);
    if (matching().length >= count) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      let found = matching().length;
      const timer = setTimeout(() => {
        const seen = this.events.slice(-5).map(describe).join(", ");
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
  ofType<T extends NodeEvent<S>["type"]>(type: T): Extract<NodeEvent<S>, { type: T }>[] {
    return this.events.filter((e): e is Extract<NodeEvent<S>, { type: T }> => e.type === type);
  }

  /** Events about one endpoint (by key), in order. */
  about(key: string): NetEvent[] {
    return this.events.filter((e): e is NetEvent => e.type !== "signal" && e.endpoint.key === key);
  }

  stop(): Promise<void> {
    this.node.handler.stop();
    return this.done;
  }
}

export function describe(event: NodeEvent<unknown>): string {
  if (event.type === "signal") return `signal(${String(event.signal)})`;
  const detail = event.type === "message" ? ` ${event.data.length}B` : "";
  return `${event.type}(${event.endpoint.key}${detail})`;
}

/** A node with a recorder, stopped by `stopAll`. */
const live: Recorder<any>[] = [];
export function recordedNode<S = never>(onEvent?: (event: NodeEvent<S>) => void): Recorder<S> {
  const recorder = new Recorder<S>(split<S>(), onEvent);
  live.push(recorder);
  return recorder;
}

export async function stopAll(): Promise<void> {
  await Promise.all(live.splice(0).map((r) => r.stop()));
}

export const isMessage = (e: NodeEvent<unknown>): e is Extract<NetEvent, { type: "message" }> => e.type === "message";
export const isConnected = (e: NodeEvent<unknown>): e is Extract<NetEvent, { type: "connected" }> =>
  e.type === "connected";
export const isAccepted = (e: NodeEvent<unknown>): e is Extract<NetEvent, { type: "accepted" }> =>
  e.type === "accepted";
export const isDisconnected = (e: NodeEvent<unknown>): e is Extract<NetEvent, { type: "disconnected" }> =>
  e.type === "disconnected";

/** Whether two byte arrays are equal: fast enough for megabytes, unlike a deep equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
