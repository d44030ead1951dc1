/**
 * `connect(..., { reconnect })` (LAYERS.md section 4): a connection decorator. To the driver it is
 * one `Connection` for the whole logical life (one resource, one endpoint, one id); underneath,
 * it calls the adapter's `connect` once per attempt, each with a sink of its own, and reports to
 * the driver's sink what the user must see:
 * - `ready(peer)` once, on the first link; `closed(error)` once, when it gives up (before the first
 *   link the driver turns that into `connected` ok:false, after it into `disconnected`);
 * - `reconnecting(attempt, delay, error)` for every failure or drop it will retry;
 * - `reconnected(peer)` for every link after the first.
 * Its timers are the node's clock's, so `stop()` (which closes every handle) ends them, and tests
 * drive them with a manual clock.
 */
import type { Adapter, CommonOptions, Connection, ConnectionSink, ResourceLimits } from "../../adapter.js";
import type { Clock } from "../../clock.js";
import { ErrorCode, NetError } from "../../errors.js";
import { type Peer, SendStatus } from "../../events.js";
import { Fifo } from "../../fifo.js";
import { type ReconnectSettings, retryDelay } from "./backoff.js";

/**
 * Ends after which coming back is pointless: the server refused this peer's hello (`REJECTED`), or
 * took a newer connection of the same peer id (`REPLACED`: two tabs of one player must not evict
 * each other forever). Both are reported by `identity`, below this decorator.
 */
const FINAL_CODES: ReadonlySet<string> = new Set([ErrorCode.Rejected, ErrorCode.Replaced]);

/** What each attempt passes to the adapter's `connect`, besides its own sink. */
export interface AttemptRequest {
  readonly remote: string;
  readonly options: CommonOptions;
  readonly limits: ResourceLimits;
}

export class ReconnectingConnection implements Connection {
  readonly addr: string;
  readonly maxMessageSize: number | undefined;
  /** The connection of the attempt in progress, or of the link; `undefined` while waiting. */
  private inner: Connection | undefined;
  /** The sink given to `inner`: calls from any other (an older attempt's) are ignored. */
  private current: AttemptSink | undefined;
  /** Whether `inner` is linked (its `ready` came): only then does `send` go straight through. */
  private linked = false;
  private everLinked = false;
  /** Closed by the core, or given up: nothing more happens. */
  private ended = false;
  /** The number of the attempt in progress or next, within the current outage. */
  private attempt = 1;
  /** Retries scheduled in the current outage: the exponent of the backoff. */
  private retries = 0;
  private timer: { handle: unknown } | undefined;
  /** Messages sent while not linked, copied, in order; they leave as soon as a link is up. */
  private readonly held = new Fifo<Uint8Array>();
  private heldBytes = 0;
  /** The core paused reading (inbound backpressure): a new link starts paused too. */
  private paused = false;

  /** Starts the first attempt: like an adapter's `connect`, throws for a bad argument. */
  constructor(
    private readonly adapter: Adapter,
    private readonly request: AttemptRequest,
    private readonly sink: ConnectionSink,
    private readonly settings: ReconnectSettings,
    private readonly clock: Clock,
    /** Told of each held message as a link takes it, for the connection's statistics. */
    private readonly handed: (bytes: number) => void = () => {},
  ) {
    const first = this.dial();
    this.addr = first.addr;
    this.maxMessageSize = first.maxMessageSize;
  }

  /** `true` exactly while a link is up (what `isReady` reports for such a connection). */
  get isLinked(): boolean {
    return this.linked;
  }

  /** The link's round trip (with `identity.ping`); absent while down. */
  get rtt(): number | undefined {
    return this.linked ? this.inner?.rtt : undefined;
  }

  get lastPingAt(): number | undefined {
    return this.linked ? this.inner?.lastPingAt : undefined;
  }

  send(data: Uint8Array): SendStatus {
    if (this.linked) return (this.inner as Connection).send(data);
    if (this.ended) return SendStatus.ResourceNotFound;
    // A copy: the caller may reuse `data` once `send` returns (adapter rule 5). The core has
    // already checked `maxPendingBytes` against `pendingBytes()`, which counts what is held.
    this.held.push(data.slice());
    this.heldBytes += data.length;
    return SendStatus.Queued;
  }

  pendingBytes(): number {
    return this.heldBytes + (this.linked ? (this.inner as Connection).pendingBytes() : 0);
  }

  pauseReading(): void {
    this.paused = true;
    if (this.linked) this.inner?.pauseReading?.();
  }

  resumeReading(): void {
    this.paused = false;
    if (this.linked) this.inner?.resumeReading?.();
  }

  /** `remove` or `stop`: stops at once, waiting or linked; nothing of it is reported afterwards. */
  close(): void {
    if (this.ended) return;
    const inner = this.inner;
    this.end();
    inner?.close();
  }

  /** @internal An attempt's connection reported that it is up. */
  linkUp(from: AttemptSink, peer: Peer<unknown> | undefined): void {
    if (from !== this.current || this.linked) return;
    const inner = this.inner as Connection;
    this.linked = true;
    if (this.paused) inner.pauseReading?.();
    // What was held leaves first, in order; if the link fails meanwhile, the rest stays held.
    while (this.held.length > 0 && this.inner === inner && this.linked) {
      const data = this.held.shift() as Uint8Array;
      this.heldBytes -= data.length;
      if (inner.send(data) === SendStatus.Sent) this.handed(data.length);
    }
    if (this.inner !== inner || !this.linked) return;
    if (this.everLinked) {
      this.sink.reconnected?.(peer);
    } else {
      this.everLinked = true;
      this.sink.ready(peer);
    }
  }

  /**
   * @internal The core ends the link for its peer's fault (a payload that does not decode): for a
   * connection that comes back, a drop like any other. Nothing more of that link is delivered.
   */
  dropLink(error: NetError): void {
    if (!this.linked) return;
    const inner = this.inner;
    this.lost(error);
    inner?.close();
  }

  /** @internal An attempt's connection received bytes: they prove it is up, even without `ready`. */
  received(from: AttemptSink, bytes: Uint8Array): void {
    if (from !== this.current) return;
    if (!this.linked) this.linkUp(from, undefined);
    if (this.linked && from === this.current) this.sink.data(bytes);
  }

  /** @internal Bytes on the side channel of the link (see `Connection.sendControl`). */
  controlReceived(from: AttemptSink, bytes: Uint8Array): void {
    if (from === this.current) this.sink.control?.(bytes);
  }

  /** @internal An attempt failed, or the link dropped. */
  linkDown(from: AttemptSink, error: NetError | undefined): void {
    if (from === this.current) this.lost(error);
  }

  private lost(error: NetError | undefined): void {
    const wasLinked = this.linked;
    this.inner = undefined;
    this.current = undefined;
    this.linked = false;
    if (error !== undefined && FINAL_CODES.has(error.code)) {
      this.giveUp(error);
    } else if (wasLinked) {
      // A drop: a new outage, numbered and timed afresh.
      this.attempt = 1;
      this.retries = 0;
      this.wait(error);
    } else if (this.attempt >= this.settings.maxAttempts) {
      this.giveUp(error);
    } else {
      this.attempt += 1;
      this.wait(error);
    }
  }

  private wait(error: NetError | undefined): void {
    const delay = retryDelay(this.settings, this.retries);
    this.retries += 1;
    const timer = { handle: undefined as unknown };
    this.timer = timer;
    timer.handle = this.clock.setTimeout(() => {
      if (this.timer !== timer) return;
      this.timer = undefined;
      this.retry();
    }, delay);
    this.sink.reconnecting?.(this.attempt, delay, error);
  }

  private retry(): void {
    if (this.ended) return;
    try {
      this.dial();
    } catch (error) {
      // The same arguments passed the first time; a platform that now refuses them fails this attempt.
      this.lost(NetError.from(error));
    }
  }

  /** Starts one attempt with a sink of its own. */
  private dial(): Connection {
    const sink = new AttemptSink(this, this.sink);
    this.current = sink;
    try {
      const connection = (this.adapter.connect as NonNullable<Adapter["connect"]>)({ ...this.request, sink });
      this.inner = connection;
      return connection;
    } catch (error) {
      this.current = undefined; // what its sink was told before the throw is ignored
      throw error;
    } finally {
      sink.started = true;
    }
  }

  private giveUp(error: NetError | undefined): void {
    this.end();
    this.sink.closed(error);
  }

  private end(): void {
    this.ended = true;
    this.linked = false;
    this.inner = undefined;
    this.current = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.held.clear();
    this.heldBytes = 0;
  }
}

/** The sink of one attempt: what its connection reports goes to the decorator, tagged with the attempt. */
class AttemptSink implements ConnectionSink {
  /** Set once the adapter's `connect` returned: a call made inside it waits until then (adapter rule 3). */
  started = false;
  readonly control?: (bytes: Uint8Array) => void;

  constructor(
    private readonly owner: ReconnectingConnection,
    outer: ConnectionSink,
  ) {
    // Offered only when the core offers it: an adapter calls `control` when present.
    if (outer.control !== undefined) {
      this.control = (bytes) => {
        if (!this.early(() => this.control?.(bytes))) owner.controlReceived(this, bytes);
      };
    }
  }

  ready(peer?: Peer<unknown>): void {
    if (!this.early(() => this.ready(peer))) this.owner.linkUp(this, peer);
  }

  data(bytes: Uint8Array): void {
    if (!this.early(() => this.data(bytes))) this.owner.received(this, bytes);
  }

  closed(error?: NetError): void {
    if (!this.early(() => this.closed(error))) this.owner.linkDown(this, error);
  }

  private early(retry: () => void): boolean {
    if (this.started) return false;
    queueMicrotask(retry);
    return true;
  }
}
