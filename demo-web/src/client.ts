/**
 * The page's side of the game, on the library as any user would write it: one node whose messages
 * are values (the `msgpack` codec) and who knows its player (`identity`: the id kept by the page,
 * a hello with the name and the game's version, and the library's pings for the round trip), a `ws`
 * connection to the server that comes back by itself (`reconnect`), and a game loop that drains the
 * node's events once per frame (`poll`).
 */
import {
  type ConnectionStats,
  type Endpoint,
  ErrorCode,
  type EventReceiver,
  type NetError,
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
  hello,
  type RosterEntry,
  type ServerMessage,
  type Wire,
  type WorldState,
} from "../../demo-node/game/protocol.js";
import { SnapshotBuffer } from "./interpolation.js";

/**
 * `replaced`: the same player connected from elsewhere (another tab) and took over; `refused`: the
 * server's `accept` said no (`reason` says why). Both are final: `reconnect` ends on them by design,
 * so two tabs of one player do not take the player from each other in turn.
 */
export type ConnectionState = "connecting" | "connected" | "disconnected" | "reconnecting" | "replaced" | "refused";

/** Who plays on this page: the id the page keeps (player.ts) and the name shown. */
export interface PlayerIdentity {
  readonly id: string;
  readonly name: string;
}

/** 0.5 s, 1 s, 2 s, 4 s, then 8 s at most between attempts, each ±20 % so that players spread out. */
const RECONNECT: ReconnectOptions = { initialDelay: 500, factor: 2, maxDelay: 8000, jitter: 0.2 };
/** The library pings the server this often: the round trip shown, and a dead server noticed in 2 s. */
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
  /** Why the connection ended, when it did (`replaced`, `refused`, `disconnected`). */
  reason: string | undefined;
  /** When the next reconnection attempt starts (`performance.now()` time), while reconnecting. */
  retryAt: number | undefined;
  /** The number of that attempt (1 for the first after the link dropped). */
  attempt = 0;

  private readonly handler: NodeHandler<never, Wire>;
  private readonly events: EventReceiver<never, Wire>;
  private endpoint: Endpoint | undefined;
  private keys = 0;

  constructor(
    url: string,
    readonly player: PlayerIdentity,
    /** `webrtc`: states (and everything else) over a data channel, resent at most twice, never waited for. */
    readonly transport: typeof Transport.Ws | typeof Transport.WebRtc = Transport.Ws,
  ) {
    const { handler, listener } = split<never, Wire>({
      codec: gameCodec(),
      identity: { id: player.id, hello: hello(player.name), ping: PING_EVERY_MS },
    });
    this.handler = handler;
    this.events = listener.enqueue();
    try {
      const unreliable = transport === Transport.WebRtc ? { maxRetransmits: 2 } : {};
      this.endpoint = handler.network.connect(transport, url, { reconnect: RECONNECT, ...unreliable });
    } catch {
      this.state = "disconnected"; // a bad URL: nothing to hope for
    }
  }

  /**
   * The round trip in ms: the library's (`stats(endpoint).rtt`), measured by its pings
   * (`identity.ping`) with sub-millisecond resolution, when they arrive rather than at the next frame.
   */
  get rtt(): number | undefined {
    return this.stats()?.rtt;
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

  private handle(event: NodeEvent<never, Wire>): void {
    switch (event.type) {
      case "connected":
      case "reconnected":
        if (event.endpoint !== this.endpoint) return;
        if (event.type === "connected" && !event.ok) this.gone(event.error);
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
        if (event.endpoint === this.endpoint) this.gone(event.error);
        return;
      case "accepted":
      case "signal":
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
      case "state":
        this.latest = message;
        this.snapshots.push(message, performance.now());
        return;
    }
  }

  /**
   * A link is up (the first, or one back): the server knows the player from the hello, and plays on
   * with the keys held now.
   */
  private linked(): void {
    this.state = "connected";
    this.attempt = 0;
    this.retryAt = undefined;
    if (this.keys !== 0) this.send({ type: "input", keys: this.keys });
  }

  /** The link dropped: forget the world until it is back. */
  private forget(): void {
    this.selfId = undefined;
    this.latest = undefined;
    this.roster.clear();
    this.snapshots.reset(this.tickRate);
  }

  /**
   * The library ended the connection: it does only when the server refused the hello, or when
   * this player connected from elsewhere and took over (`reconnect` retries anything else).
   */
  private gone(error: NetError | undefined): void {
    this.forget();
    this.endpoint = undefined;
    this.state =
      error?.code === ErrorCode.Replaced ? "replaced" : error?.code === ErrorCode.Rejected ? "refused" : "disconnected";
    this.reason = error?.message;
    this.retryAt = undefined;
  }

  private send(message: ClientMessage): void {
    if (this.endpoint !== undefined) this.handler.network.send(this.endpoint, message);
  }
}
