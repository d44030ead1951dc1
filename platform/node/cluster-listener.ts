/**
 * A cluster listener (LAYERS.md section 6): this node registered in a cluster on Redis, and every
 * other node of the cluster as a connection of it.
 *
 * Channels: the cluster's one (presence and group messages, which every node hears) and one per
 * node (the messages sent to it). A node publishes everything on one Redis connection and hears
 * both channels on one other, and Redis runs commands one at a time: so what a node publishes
 * reaches each other node in the order it was published, direct and group messages together.
 */
import {
  type ClientTlsOptions,
  type ClusterListenOptions,
  type Connection,
  type ConnectionSink,
  ErrorCode,
  type ListenerSink,
  type Listening,
  type ListenRequest,
  NetError,
  SendStatus,
} from "../../src/index.js";
import { type ClusterConfig, clusterConfig, nodeChannel } from "./cluster-config.js";
import { type Frame, FrameKind, FrameWriter, readFrame } from "./cluster-frames.js";
import { closeRedisLink, destroyClient, openRedisLink, type RedisLink } from "./cluster-redis.js";

/** Retries after Redis was lost: from this delay, doubling, never more than `MAX_RETRY_DELAY` apart. */
const FIRST_RETRY_DELAY = 100;
const MAX_RETRY_DELAY = 5_000;
/** A node announces itself this many times per presence timeout, so one lost announcement is harmless. */
const ANNOUNCES_PER_TIMEOUT = 4;

export async function listenCluster(request: ListenRequest<ClusterListenOptions>): Promise<Listening> {
  const config = clusterConfig(request.addr, request.options, request.nodeId);
  const listening = new ClusterListening(config, request.options.tls, request.sink, request.limits.maxMessageSize);
  await listening.register();
  return listening;
}

/** Another node of the cluster, as a connection of this node's cluster listener. */
class RemoteNode implements Connection {
  /** `undefined` once this node ignores it (`remove`d, refused, or misbehaving) until it registers again. */
  sink: ConnectionSink | undefined;
  lastHeard = Date.now();
  private inFlight = 0;
  /** The listener is behind: its messages are dropped, since Redis cannot hold back one sender. */
  private paused = false;

  constructor(
    readonly addr: string,
    readonly registration: number,
    /** The Redis channel its messages go to. */
    readonly channel: string,
    private readonly owner: ClusterListening,
  ) {}

  send(data: Uint8Array): SendStatus {
    return this.owner.sendToNode(this, data);
  }

  /** Bytes published and not yet acknowledged by Redis: `maxPendingBytes` bounds a flood at its source. */
  pendingBytes(): number {
    return this.inFlight;
  }

  tracked(bytes: number): () => void {
    this.inFlight += bytes;
    return () => {
      this.inFlight -= bytes;
    };
  }

  close(): void {
    this.sink = undefined;
  }

  pauseReading(): void {
    this.paused = true;
  }

  resumeReading(): void {
    this.paused = false;
  }

  /** A message from this node, unless ignored or dropped because the listener is behind. */
  deliver(payload: Uint8Array, maxMessageSize: number): void {
    const sink = this.sink;
    if (sink === undefined || this.paused) return;
    if (payload.length > maxMessageSize) {
      this.sink = undefined;
      sink.closed(
        new NetError(ErrorCode.MessageTooLarge, `node ${this.addr} sent ${payload.length} bytes, over maxMessageSize`),
      );
      return;
    }
    sink.data(payload);
  }

  /** It left, was replaced or went silent: its last event here. */
  end(error?: NetError): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.closed(error);
  }
}

class ClusterListening implements Listening {
  readonly addr: string;
  private readonly nodes = new Map<string, RemoteNode>();
  private readonly frames: FrameWriter;
  private link: RedisLink | undefined;
  private closed = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  /** Ends a connection attempt in progress (on close or after connectTimeout). */
  private readonly attempt: { abort?: () => void } = {};

  constructor(
    private readonly config: ClusterConfig,
    private readonly tls: ClientTlsOptions | undefined,
    private readonly sink: ListenerSink,
    private readonly maxReceived: number,
  ) {
    this.addr = config.publicAddr;
    // A registration number later than any before it for this id: a restart replaces, never the reverse.
    this.frames = new FrameWriter(config.nodeId, Date.now() * 1024 + Math.floor(Math.random() * 1024));
  }

  /** The first registration: rejects with what went wrong, or `ETIMEDOUT` after `connectTimeout`. */
  async register(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.attempt.abort?.();
        reject(
          new NetError(
            ErrorCode.Timeout,
            `could not register with Redis at ${this.addr} within ${this.config.connectTimeout} ms`,
          ),
        );
      }, this.config.connectTimeout);
    });
    try {
      await Promise.race([this.connect(), timeout]);
    } catch (error) {
      this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const interval = this.config.presenceTimeout / ANNOUNCES_PER_TIMEOUT;
    this.ticker = setInterval(() => this.tick(), interval);
    this.ticker.unref();
  }

  sendToNode(node: RemoteNode, data: Uint8Array): SendStatus {
    const link = this.link;
    if (link === undefined || node.sink === undefined) return SendStatus.ResourceNotFound;
    const done = node.tracked(data.length);
    link.publisher.publish(node.channel, this.frames.data(data)).then(done, done);
    return SendStatus.Sent;
  }

  publish(group: string, data: Uint8Array): void {
    this.link?.publisher.publish(this.config.clusterChannel, this.frames.group(group, data)).catch(ignore);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.retryTimer);
    this.attempt.abort?.();
    for (const node of this.nodes.values()) node.end();
    this.nodes.clear();
    const link = this.link;
    this.link = undefined;
    if (link === undefined) return;
    // The others see this node leave at once; the publisher closes once Redis has taken the
    // goodbye (or after a second, if Redis does not answer), and never holds the process meanwhile.
    destroyClient(link.subscriber);
    link.publisher.unref();
    const release = () => {
      clearTimeout(deadline);
      destroyClient(link.publisher);
    };
    const deadline = setTimeout(release, 1_000);
    deadline.unref();
    link.publisher.publish(this.config.clusterChannel, this.frames.signal(FrameKind.Bye)).then(release, release);
  }

  /** Connects, subscribes and asks every node to answer. */
  private async connect(): Promise<void> {
    const own = nodeChannel(this.config, this.config.nodeId);
    const onLost = (error: NetError) => this.lost(error);
    const link = await openRedisLink(
      this.config,
      this.tls,
      [this.config.clusterChannel, own],
      (message) => this.receive(message),
      onLost,
      this.attempt,
    );
    if (this.closed) {
      closeRedisLink(link);
      return;
    }
    this.link = link;
    this.retries = 0;
    this.announce(this.config.clusterChannel, FrameKind.HelloAsk);
  }

  /** Redis is gone: every node ends with `CONNECTION_LOST`, and the link comes back when Redis does. */
  private lost(error: NetError): void {
    const link = this.link;
    if (link === undefined || this.closed) return;
    this.link = undefined;
    closeRedisLink(link);
    for (const node of this.nodes.values()) node.end(error);
    this.nodes.clear();
    this.retry();
  }

  private retry(): void {
    const delay = Math.min(MAX_RETRY_DELAY, FIRST_RETRY_DELAY * 2 ** this.retries) * (0.5 + Math.random() / 2);
    this.retries += 1;
    this.retryTimer = setTimeout(() => {
      this.connect().catch(() => {
        if (!this.closed && this.link === undefined) this.retry();
      });
    }, delay);
    this.retryTimer.unref();
  }

  private tick(): void {
    if (this.link === undefined) return;
    this.announce(this.config.clusterChannel, FrameKind.Hello);
    const deadline = Date.now() - this.config.presenceTimeout;
    for (const [id, node] of this.nodes) {
      if (node.lastHeard >= deadline) continue;
      this.nodes.delete(id);
      node.end(new NetError(ErrorCode.Timeout, `node ${id} was silent for ${this.config.presenceTimeout} ms`));
    }
  }

  private announce(channel: string, kind: FrameKind): void {
    this.link?.publisher.publish(channel, this.frames.signal(kind)).catch(ignore);
  }

  private receive(message: Buffer): void {
    const frame = readFrame(message);
    // Our own echoes on the cluster's channel, and anything that is not a frame, are not for us.
    if (frame === undefined || frame.sender === this.config.nodeId || this.closed) return;
    const node = this.nodeFor(frame);
    if (node === undefined) return;
    node.lastHeard = Date.now();
    switch (frame.kind) {
      case FrameKind.HelloAsk:
        this.announce(nodeChannel(this.config, frame.sender), FrameKind.Hello);
        break;
      case FrameKind.Bye:
        this.nodes.delete(frame.sender);
        node.end();
        break;
      case FrameKind.Data:
        node.deliver(frame.payload as Uint8Array, this.maxReceived);
        break;
      case FrameKind.Group:
        if (node.sink !== undefined && (frame.payload as Uint8Array).length <= this.maxReceived) {
          this.sink.published?.(frame.group as string, frame.payload as Uint8Array);
        }
        break;
    }
  }

  /** The node that sent `frame`: known, new (accepted now), or `undefined` for a stale registration's frame. */
  private nodeFor(frame: Frame): RemoteNode | undefined {
    const known = this.nodes.get(frame.sender);
    if (known !== undefined) {
      if (frame.registration === known.registration) return known;
      if (frame.registration < known.registration) return undefined;
      this.nodes.delete(frame.sender);
      known.end(new NetError(ErrorCode.Replaced, `node ${frame.sender} registered again`));
    }
    if (frame.kind === FrameKind.Bye) return undefined;
    const node = new RemoteNode(frame.sender, frame.registration, nodeChannel(this.config, frame.sender), this);
    this.nodes.set(frame.sender, node);
    node.sink = this.sink.accepted(node);
    return node;
  }
}

function ignore(): void {}
