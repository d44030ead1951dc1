/**
 * The normalised event log the cross-platform scenarios produce: one line per event or checked
 * call, holding only what must be the same on Node and in the browser (types, `ok` flags, whether
 * there is an error, message sizes and hashes, signal names). Endpoints are named by the server
 * role they point at, never by id or port, which differ between runs.
 *
 * Platform-neutral on purpose: no `node:` module, no `Buffer`, no `process` (it runs in Chromium).
 */
import type { NodeEvent, NodeListener } from "message-io";

export { patternBytes } from "../support/bytes.js";

/** Where the scenarios connect: `host:port` addresses of the scenario server (see server.ts). */
export interface ScenarioAddresses {
  /** Echoes every message. */
  readonly echo: string;
  /** Control: `"echo-then-remove"` is answered with the same bytes, then the server removes the connection. */
  readonly control: string;
  /** Echoes, with `maxMessageSize` of {@link STRICT_MAX_MESSAGE_SIZE}: a bigger message gets the connection closed. */
  readonly strict: string;
  /** Accepts only the path `/only-here`, so a `"host:port"` connect (to `/message-io-default`) is refused. */
  readonly guarded: string;
  /** A loopback port nothing listens on. */
  readonly dead: string;
  /**
   * Echoes; goes away when a connection to it sends `"flaky-down"` (its listener and connections
   * are removed: their clients see a clean close), and comes back on the same address when a
   * `control` connection sends `"flaky-up"` (echoed once it listens again). See server.ts.
   */
  readonly flaky: string;
  /** Accepts TCP and never says a word: a WebSocket handshake there never completes. */
  readonly silent: string;
  /** A node with identity: accepts the hello "v3", echoes (identity-server.ts). */
  readonly identity: string;
  /** Completes a handshake by hand, then never answers a ping (identity-server.ts). */
  readonly mute: string;
  /**
   * A node with msgpack and identity: accepts the typed hello of version 3, echoes; goes away on
   * `{ t: "down" }` and comes back when a `control` connection sends `"typed-up"` (identity-server.ts).
   */
  readonly typed: string;
}

export const STRICT_MAX_MESSAGE_SIZE = 1024;

export type Role = keyof ScenarioAddresses;

/** 32-bit FNV-1a: cheap on 8 MiB in either runtime, and any flipped or missing byte changes it. */
export function fnv1a(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

const utf8 = new TextEncoder();

/** The log lines, built by the scenarios and by the expected logs alike so both spell them the same. */
export const line = {
  connected: (role: string, ok: boolean, error: boolean) => `connected(${role}) ok=${ok} error=${error}`,
  message: (role: string, data: Uint8Array | string) => {
    const bytes = typeof data === "string" ? utf8.encode(data) : data;
    return `message(${role}) ${bytes.length}B fnv=${fnv1a(bytes)}`;
  },
  disconnected: (role: string, error: boolean) => `disconnected(${role}) error=${error}`,
  reconnecting: (role: string, attempt: number, delay: number, error: boolean) =>
    `reconnecting(${role}) attempt=${attempt} delay=${delay} error=${error}`,
  reconnected: (role: string) => `reconnected(${role})`,
  accepted: (role: string) => `accepted(${role})`,
  signal: (name: string) => `signal(${name})`,
  call: (call: string, result: unknown) => `${call} -> ${String(result)}`,
};

/** A scenario's outcome: the log compared across platforms, and the platform error codes seen. */
export interface ScenarioResult {
  readonly log: string[];
  /**
   * `what: CODE` for every error a platform reported. Not part of the compared log: a failed
   * connection's code comes from the platform (Node's `ECONNREFUSED`; a browser tells nothing).
   */
  readonly errorCodes: string[];
}

type Predicate<S> = (event: NodeEvent<S>) => boolean;

/** Records a node's events as log lines, and lets a scenario wait for an event (bounded). */
export class ScenarioLog<S = never> {
  readonly lines: string[] = [];
  readonly errorCodes: string[] = [];
  /** Every event with the `performance.now()` it was delivered at. */
  readonly events: { event: NodeEvent<S>; at: number }[] = [];
  private waiters: { predicate: Predicate<S>; resolve(): void }[] = [];

  constructor(private readonly addresses: ScenarioAddresses) {}

  /** Records every event of `listener` through `forEach`; resolves when the node stops. */
  follow(listener: NodeListener<S>): Promise<void> {
    return listener.forEach((event) => {
      this.record(event);
    });
  }

  record(event: NodeEvent<S>): void {
    this.events.push({ event, at: performance.now() });
    this.lines.push(this.describe(event));
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate(event)) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Appends the checked result of a call. */
  note(call: string, result: unknown): void {
    this.lines.push(line.call(call, result));
  }

  /** Keeps a platform error code for the report (see {@link ScenarioResult.errorCodes}). */
  errorCode(what: string, error: unknown): void {
    const code = (error as { code?: unknown } | undefined)?.code;
    this.errorCodes.push(`${what}: ${String(code)}`);
  }

  /** The server role of an address (`"host:port"`), or the address itself when it is none of them. */
  roleOf(addr: string): string {
    const entry = Object.entries(this.addresses).find(([, address]) => address === addr);
    return entry === undefined ? addr : entry[0];
  }

  /** The `count`th matching event, recorded already or still to come; rejects after `ms`. */
  waitFor<E extends NodeEvent<S>>(
    predicate: (event: NodeEvent<S>) => event is E,
    count?: number,
    ms?: number,
  ): Promise<E>;
  waitFor(predicate: Predicate<S>, count?: number, ms?: number): Promise<NodeEvent<S>>;
  waitFor(predicate: Predicate<S>, count = 1, ms = 15_000): Promise<NodeEvent<S>> {
    const nth = () => this.events.filter((entry) => predicate(entry.event))[count - 1]?.event;
    const found = nth();
    if (found !== undefined) return Promise.resolve(found);
    let matched = this.events.filter((entry) => predicate(entry.event)).length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${matched}/${count} matching events after ${ms} ms; log: ${this.lines.join(" | ") || "empty"}`),
        );
      }, ms);
      this.waiters.push({
        predicate: (event) => predicate(event) && ++matched >= count,
        resolve: () => {
          clearTimeout(timer);
          resolve(nth() as NodeEvent<S>);
        },
      });
    });
  }

  /** When the first matching event was delivered. */
  deliveredAt(predicate: Predicate<S>): number | undefined {
    return this.events.find((entry) => predicate(entry.event))?.at;
  }

  result(): ScenarioResult {
    return { log: [...this.lines], errorCodes: [...this.errorCodes] };
  }

  private describe(event: NodeEvent<S>): string {
    if (event.type === "signal") return line.signal(String(event.signal));
    const role = this.roleOf(event.endpoint.addr);
    switch (event.type) {
      case "connected":
        if (event.error !== undefined) this.errorCode(`connected(${role})`, event.error);
        return line.connected(role, event.ok, event.error !== undefined);
      case "accepted":
        return line.accepted(role);
      case "message":
        return line.message(role, event.data);
      case "disconnected":
        if (event.error !== undefined) this.errorCode(`disconnected(${role})`, event.error);
        return line.disconnected(role, event.error !== undefined);
      case "reconnecting":
        if (event.error !== undefined) this.errorCode(`reconnecting(${role}) attempt=${event.attempt}`, event.error);
        return line.reconnecting(role, event.attempt, event.delay, event.error !== undefined);
      case "reconnected":
        return line.reconnected(role);
    }
  }
}

/** Event predicates for {@link ScenarioLog.waitFor}, by the server role an endpoint points at. */
type NetEventOf<T extends string> = Extract<Exclude<NodeEvent<unknown>, { type: "signal" }>, { type: T }>;
export function isEvent<T extends "connected" | "message" | "disconnected" | "reconnecting" | "reconnected">(
  type: T,
  role: string,
  log: ScenarioLog<any>,
) {
  return (event: NodeEvent<any>): event is NetEventOf<T> =>
    event.type === type && log.roleOf(event.endpoint.addr) === role;
}

export function isSignal(name: string) {
  return (event: NodeEvent<any>): boolean => event.type === "signal" && event.signal === name;
}
