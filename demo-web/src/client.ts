/**
 * The page's side of the game, on the library as any user would write it: one node whose messages
 * are values (the `msgpack` codec), a `ws` connection to the server that comes back by itself
 * (`reconnect`), timer signals for pings, and a game loop that drains the node's events once per
 * frame (`poll`).
 */
import {
  type ConnectionStats,
  type Endpoint,
  type EventReceiver,
  type NodeEvent,
  type NodeHandler,
  type ReconnectOptions,
  split,
  Transport,
} from "message-io";
import {
  asServerMessage,
  type ClientMessage,
  gameCodec,
  type RosterEntry,
  type ServerMessage,
  type Wire,
  type WorldState,
} from "../../demo-node/game/protocol.js";
import { SnapshotBuffer } from "./interpolation.js";

export type ConnectionState = "connecting" | "connected" | "disconnected" | "reconnecting";

type Signal = { type: "ping"; connection: number };

/** 0.5 s, 1 s, 2 s, 4 s, then 8 s at most between attempts, each ±20 % so that players spread out. */
const RECONNECT: ReconnectOptions = { initialDelay: 500, factor: 2, maxDelay: 8000, jitter: 0.2 };
const PING_EVERY_MS = 1000;
/** Events handled per frame at most: a tab back from the background catches up over a few frames. */
const FRAME_BUDGET = 2000;

export class GameClient {
  state: ConnectionState = "connecting";
  selfId: number | undefined;
  tickRate = 30;
  arena = { width: 960, height: 600 };
  readonly roster = new Map<number, RosterEntry>();
  /** The newest state from the server, as sent. */
  latest: WorldState | undefined;
  readonly snapshots = new SnapshotBuffer();
  /** Round-trip time of the game's own last ping, in ms (see `rtt`). */
  private pingRtt: number | undefined;
  /** When the next reconnection attempt starts (`performance.now()` time), while reconnecting. */
  retryAt: number | undefined;
  /** The number of that attempt (1 for the first after the link dropped). */
  attempt = 0;

  private readonly handler: NodeHandler<Signal, Wire>;
  private readonly events: EventReceiver<Signal, Wire>;
  private endpoint: Endpoint | undefined;
  /** Counts links, so that a ping timer of an earlier link is ignored. */
  private connection = 0;
  private keys = 0;

  constructor(
    url: string,
    readonly name: string,
  ) {
    const { handler, listener } = split<Signal, Wire>({ codec: gameCodec() });
    this.handler = handler;
    this.events = listener.enqueue();
    try {
      this.endpoint = handler.network.connect(Transport.Ws, url, { reconnect: RECONNECT });
    } catch {
      this.state = "disconnected"; // a bad URL: nothing to hope for
    }
  }

  /**
   * The round trip in ms. The library's own (`stats(endpoint).rtt`) is measured by its pings, with
   * sub-millisecond resolution and no frame delay, when the node has `identity: { ping }`.
   * IDENTITY-RTT: until the identity layer (LAYERS.md section 2) is merged and this node sets
   * `identity.ping`, `stats().rtt` is absent and the game's own ping (answered by the server, read
   * at the next frame) stands in; drop the fallback and the ping messages then.
   */
  get rtt(): number | undefined {
    return this.stats()?.rtt ?? this.pingRtt;
  }

  /** The library's statistics of the connection to the server, while there is one. */
  stats(): ConnectionStats | undefined {
    return this.endpoint === undefined ? undefined : this.handler.network.stats(this.endpoint);
  }

  /** Handles the events that arrived since the last frame. */
  poll(): void {
    for (let budget = FRAME_BUDGET; budget > 0; budget--) {
      const event = this.events.tryReceive();
      if (event === undefined) return;
      this.handle(event);
    }
  }

  /**
   * The held direction keys; sent at once when they change. Only while connected: what was pressed
   * while the server was away is not queued for a burst on return; the keys held then are sent.
   */
  setKeys(keys: number): void {
    if (keys === this.keys) return;
    this.keys = keys;
    if (this.state === "connected") this.send({ type: "input", keys });
  }

  private handle(event: NodeEvent<Signal, Wire>): void {
    switch (event.type) {
      case "connected":
      case "reconnected":
        if (event.endpoint !== this.endpoint) return;
        if (event.type === "connected" && !event.ok) this.gone();
        else this.linked();
        return;
      case "reconnecting":
        if (event.endpoint !== this.endpoint) return;
        if (this.state === "connected") this.forget();
        this.state = "reconnecting";
        this.attempt = event.attempt;
        this.retryAt = performance.now() + event.delay;
        return;
      case "message": {
        const message = asServerMessage(event.message);
        if (message !== undefined && event.endpoint === this.endpoint) this.receive(message);
        return;
      }
      case "disconnected":
        if (event.endpoint === this.endpoint) this.gone();
        return;
      case "accepted":
        return;
      case "signal":
        if (event.signal.connection === this.connection && this.state === "connected") {
          this.send({ type: "ping", time: performance.now() });
          this.handler.signals.sendWithTimer(event.signal, PING_EVERY_MS);
        }
        return;
    }
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case "welcome":
        this.selfId = message.id;
        this.tickRate = message.tickRate;
        this.arena = { width: message.width, height: message.height };
        this.snapshots.reset(message.tickRate);
        return;
      case "roster":
        this.roster.clear();
        for (const player of message.players) this.roster.set(player.id, player);
        return;
      case "pong":
        this.pingRtt = performance.now() - message.time;
        return;
      case "state":
        this.latest = message;
        this.snapshots.push(message, performance.now());
        return;
    }
  }

  /** A link is up (the first, or one back): join the game again with the keys held now. */
  private linked(): void {
    this.state = "connected";
    this.attempt = 0;
    this.retryAt = undefined;
    this.connection++;
    this.send({ type: "hello", name: this.name });
    if (this.keys !== 0) this.send({ type: "input", keys: this.keys });
    this.handler.signals.send({ type: "ping", connection: this.connection });
  }

  /** The link dropped: forget the world until it is back. */
  private forget(): void {
    this.selfId = undefined;
    this.latest = undefined;
    this.pingRtt = undefined;
    this.roster.clear();
    this.snapshots.reset(this.tickRate);
    this.connection++;
  }

  /** The library gave up (it does not, unless the server refuses us for good). */
  private gone(): void {
    this.forget();
    this.endpoint = undefined;
    this.state = "disconnected";
    this.retryAt = undefined;
  }

  private send(message: ClientMessage): void {
    if (this.endpoint !== undefined) this.handler.network.send(this.endpoint, message);
  }
}
