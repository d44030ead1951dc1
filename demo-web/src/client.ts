/**
 * The page's side of the game, on the library as any user would write it: one node, a `ws`
 * connection to the server, timer signals for pings and for reconnecting with backoff, and a game
 * loop that drains the node's events once per frame (`poll`).
 */
import { type Endpoint, type EventReceiver, type NodeEvent, type NodeHandler, split, Transport } from "message-io";
import {
  type ClientMessage,
  decodeServer,
  encodeClient,
  type RosterEntry,
  type ServerMessage,
  type WorldState,
} from "../../demo-node/game/protocol.js";
import { backoffDelay } from "./backoff.js";
import { SnapshotBuffer } from "./interpolation.js";

export type ConnectionState = "connecting" | "connected" | "disconnected" | "reconnecting";

type Signal = { type: "reconnect" } | { type: "ping"; connection: number };

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
  /** Round-trip time of the last ping, in ms. */
  rtt: number | undefined;
  /** When the next reconnection attempt starts (`performance.now()` time), while disconnected. */
  retryAt: number | undefined;
  attempt = 0;

  private readonly handler: NodeHandler<Signal>;
  private readonly events: EventReceiver<Signal>;
  private endpoint: Endpoint | undefined;
  /** Counts connections, so that a ping timer of an earlier connection is ignored. */
  private connection = 0;
  private keys = 0;

  constructor(
    private readonly url: string,
    readonly name: string,
    /** `webrtc`: states (and everything else) over a data channel, resent at most twice, never waited for. */
    readonly transport: typeof Transport.Ws | typeof Transport.WebRtc = Transport.Ws,
  ) {
    const { handler, listener } = split<Signal>();
    this.handler = handler;
    this.events = listener.enqueue();
    this.connect();
  }

  /** Handles the events that arrived since the last frame. */
  poll(): void {
    for (let budget = FRAME_BUDGET; budget > 0; budget--) {
      const event = this.events.tryReceive();
      if (event === undefined) return;
      this.handle(event);
    }
  }

  /** The held direction keys; sent at once when they change. */
  setKeys(keys: number): void {
    if (keys === this.keys) return;
    this.keys = keys;
    if (this.state === "connected") this.send({ type: "input", keys });
  }

  private handle(event: NodeEvent<Signal>): void {
    switch (event.type) {
      case "connected":
        if (event.endpoint !== this.endpoint) return;
        if (!event.ok) {
          this.lost();
          return;
        }
        this.state = "connected";
        this.attempt = 0;
        this.retryAt = undefined;
        this.connection++;
        this.send({ type: "hello", name: this.name });
        if (this.keys !== 0) this.send({ type: "input", keys: this.keys });
        this.handler.signals.send({ type: "ping", connection: this.connection });
        return;
      case "message": {
        const message = decodeServer(event.data);
        if (message !== undefined && event.endpoint === this.endpoint) this.receive(message);
        return;
      }
      case "disconnected":
        if (event.endpoint === this.endpoint) this.lost();
        return;
      case "accepted":
        return;
      case "signal":
        if (event.signal.type === "reconnect") this.connect();
        else if (event.signal.connection === this.connection && this.state === "connected") {
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
        this.rtt = performance.now() - message.time;
        return;
      case "state":
        this.latest = message;
        this.snapshots.push(message, performance.now());
        return;
    }
  }

  private connect(): void {
    this.state = this.attempt === 0 && this.connection === 0 ? "connecting" : "reconnecting";
    this.retryAt = undefined;
    try {
      const options = this.transport === Transport.WebRtc ? { maxRetransmits: 2 } : {};
      this.endpoint = this.handler.network.connect(this.transport, this.url, options);
    } catch {
      this.lost(); // a bad URL: nothing to hope for but a retry later
    }
  }

  /** The connection failed or ended: forget the world and try again after a backoff delay. */
  private lost(): void {
    if (this.endpoint !== undefined) this.handler.network.remove(this.endpoint.id);
    this.endpoint = undefined;
    this.state = "disconnected";
    this.selfId = undefined;
    this.latest = undefined;
    this.rtt = undefined;
    this.roster.clear();
    this.snapshots.reset(this.tickRate);
    this.connection++;
    const delay = backoffDelay(this.attempt++);
    this.retryAt = performance.now() + delay;
    this.handler.signals.sendWithTimer({ type: "reconnect" }, delay);
  }

  private send(message: ClientMessage): void {
    if (this.endpoint !== undefined) this.handler.network.send(this.endpoint, encodeClient(message));
  }
}
