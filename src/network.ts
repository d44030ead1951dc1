import type { Adapter, CommonListenOptions, CommonOptions, Connection } from "./adapter.js";
import { type Clock, systemClock } from "./clock.js";
import type { Driver } from "./driver.js";
import { Endpoint } from "./endpoint.js";
import { ErrorCode, NetError } from "./errors.js";
import { SendStatus } from "./events.js";
import type { Codec } from "./layer/codec.js";
import { reconnectSettings } from "./layer/reconnect/backoff.js";
import { ReconnectingConnection } from "./layer/reconnect/connection.js";
import { checkOptions, resolveLimits } from "./option-checks.js";
import type { ConnectOptionsOf, ListenOptionsOf, ReconnectOption } from "./options.js";
import { newResourceId, type ResourceId } from "./resource-id.js";
import { LocalResource, RemoteResource } from "./resources.js";
import { type ConnectionStats, Counters, type NodeStats } from "./stats.js";
import { isBuiltinTransport, Transport, type TransportInfo, type TransportName } from "./transport.js";

const utf8 = new TextEncoder();

/**
 * What `send` takes: the codec's message type `M`, or, for a node without a codec (whose `M` is
 * `Uint8Array`), any `SendData`.
 */
export type Sendable<M> = [M] extends [Uint8Array] ? ([Uint8Array] extends [M] ? SendData : M) : M;

/** `handler.network`: connect, listen, send and remove, for every transport alike. `M`: see `NodeHandler`. */
export interface NetworkController<M = Uint8Array> {
  /** Starts listening; resolves with the listener's id and its real bound address (port 0 picks one). */
  listen<T extends TransportName>(
    transport: T,
    addr: string,
    options?: ListenOptionsOf<T>,
  ): Promise<{ id: ResourceId; addr: string }>;
  /** Starts a connection; its outcome arrives later as exactly one `connected` event. */
  connect<T extends TransportName>(transport: T, remote: string, options?: ConnectOptionsOf<T>): Endpoint;
  /** Like `connect`, resolving when ready and rejecting with a `NetError` when it fails. */
  connectAsync<T extends TransportName>(transport: T, remote: string, options?: ConnectOptionsOf<T>): Promise<Endpoint>;
  /**
   * Sends one message. With a codec: a message `M`, encoded once (a codec that throws makes `send`
   * throw `INVALID_ARGUMENT` with its error as `cause`, and nothing is sent). Without: a
   * `Uint8Array`, any `ArrayBufferView` (its exact bytes: a `Float32Array` of 3 is 12 bytes), an
   * `ArrayBuffer`, or a string (its UTF-8 bytes); anything else throws `INVALID_ARGUMENT`. Never
   * throws for network reasons.
   */
  send(endpoint: Endpoint, message: Sendable<M>): SendStatus;
  /** Closes a connection or listener without any event; `false` if unknown. */
  remove(id: ResourceId): boolean;
  /**
   * `false` while pending, `true` when ready (listeners always), `undefined` when unknown. A
   * connection with `reconnect` is ready exactly while a link is up (its sends are queued meanwhile).
   */
  isReady(id: ResourceId): boolean | undefined;
  /** Bytes accepted by `send` and not yet handed to the operating system (with `reconnect`, held ones included). */
  pendingBytes(endpoint: Endpoint): number;
  /**
   * A live connection's statistics: its user messages and their payload bytes each way, when it
   * opened and last heard from its peer, and `rtt` with `identity.ping`. `undefined` for an
   * endpoint that is not a live connection (unknown, pending, removed, or a udp listener's peer).
   */
  stats(endpoint: Endpoint): ConnectionStats | undefined;
  /** The node's totals since it was created, its live connections now, and the messages it dropped. */
  stats(): NodeStats;
  /** The capabilities of a transport of this node: a built-in one, or a custom adapter's `info`. */
  transportInfo(transport: TransportName): TransportInfo;
}

/** @internal The controller behind `handler.network`. */
export class Network<S> implements NetworkController<any> {
  private readonly codec: Codec<unknown> | undefined;
  /** This node's id (`identity.id`), for a cluster listener's default `nodeId`. */
  nodeId: string | undefined;
  /** A cluster listener is registering: a second one fails at once. */
  private clusterClaimed = false;

  constructor(
    private readonly adapters: ReadonlyMap<string, Adapter>,
    private readonly driver: Driver<S>,
    private readonly isStopped: () => boolean,
    /** The node's clock: `reconnect`'s backoff timers run on it. */
    private readonly clock: Clock = systemClock,
  ) {
    this.codec = driver.codec;
  }

  async listen(transport: TransportName, addr: string, options: CommonListenOptions = {}) {
    this.ensureRunning();
    const adapter = this.adapterFor(transport);
    if (adapter.listen === undefined) throw unsupported(transport, "listen");
    this.checkCodecFits(transport, adapter);
    checkAddress(addr);
    checkOptions(transport, "listen", options, adapter.optionChecks?.listen);
    const limits = resolveLimits(adapter.info, options);
    const maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
    const listener = new LocalResource(newResourceId(transport, true), limits, maxConnections);
    const sink = this.driver.listenerSink(listener, transport);
    const cluster = transport === Transport.Cluster;
    if (cluster) this.claimCluster();
    try {
      listener.handle = await adapter.listen({ addr, options, limits, sink, nodeId: this.nodeId });
    } catch (error) {
      throw NetError.from(error);
    } finally {
      if (cluster) this.clusterClaimed = false;
    }
    if (this.isStopped()) {
      this.driver.drop(listener, stopped());
      throw stopped();
    }
    this.driver.resources.set(listener.id, listener);
    if (cluster) this.driver.cluster = listener;
    return { id: listener.id, addr: listener.handle.addr };
  }

  connect(transport: TransportName, remote: string, options: CommonOptions = {}): Endpoint {
    return this.open(transport, remote, options).endpoint as Endpoint;
  }

  connectAsync(transport: TransportName, remote: string, options: CommonOptions = {}): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      this.open(transport, remote, options).waiter = { resolve, reject };
    });
  }

  send(endpoint: Endpoint, message: unknown): SendStatus {
    return this.sendEncoded(endpoint, this.encode(message));
  }

  /** @internal A message as the bytes that go on the wire (groups encode once for all members). */
  encode(message: unknown): Uint8Array {
    const codec = this.codec;
    return codec === undefined ? toBytes(message as SendData) : encode(codec, message);
  }

  /**
   * @internal Sends bytes that are already the message: encoded by the codec, or the user's bytes.
   * For whatever sends one message to many endpoints (groups): encode once, then this per endpoint.
   * Counts the message when the connection takes it.
   */
  sendEncoded(endpoint: Endpoint, bytes: Uint8Array): SendStatus {
    const resource = this.driver.resources.get(endpoint.id);
    if (resource === undefined) return SendStatus.ResourceNotFound;
    if (resource instanceof LocalResource) {
      const listening = resource.handle;
      if (listening?.sendTo === undefined) return SendStatus.ResourceNotFound;
      if (bytes.length > Math.min(listening.maxMessageSize ?? Infinity, resource.limits.maxMessageSize)) {
        return SendStatus.MaxPacketSizeExceeded;
      }
      const status = listening.sendTo(endpoint.addr, bytes);
      if (status === SendStatus.Sent) {
        resource.messagesSent += 1;
        resource.bytesSent += bytes.length;
      }
      return status;
    }
    // A connection with `reconnect` holds sends until its first link, so it takes them while pending.
    if (resource.state !== "ready" && !(resource.handle instanceof ReconnectingConnection)) {
      return SendStatus.ResourceNotAvailable;
    }
    const connection = resource.handle as Connection;
    if (bytes.length > Math.min(connection.maxMessageSize ?? Infinity, resource.limits.maxMessageSize)) {
      return SendStatus.MaxPacketSizeExceeded;
    }
    // A message larger than the whole limit still goes when nothing is pending, so every message
    // within maxMessageSize can be sent; the backlog stays below maxPendingBytes plus one message.
    const pending = connection.pendingBytes();
    if (pending > 0 && pending + bytes.length > resource.limits.maxPendingBytes) return SendStatus.BufferFull;
    const status = connection.send(bytes);
    if (status === SendStatus.Sent) {
      resource.messagesSent += 1;
      resource.bytesSent += bytes.length;
    }
    return status;
  }

  stats(endpoint: Endpoint): ConnectionStats | undefined;
  stats(): NodeStats;
  stats(endpoint?: Endpoint): ConnectionStats | NodeStats | undefined {
    if (endpoint !== undefined) return this.connectionStats(endpoint);
    const totals = new Counters();
    totals.add(this.driver.retired);
    let connections = 0;
    for (const resource of this.driver.resources.values()) {
      totals.add(resource);
      if (resource instanceof RemoteResource && resource.state === "ready") connections += 1;
    }
    const { messagesSent, messagesReceived, bytesSent, bytesReceived } = totals;
    return { messagesSent, messagesReceived, bytesSent, bytesReceived, connections, dropped: this.driver.dropped };
  }

  remove(id: ResourceId): boolean {
    const resource = this.driver.resources.get(id);
    if (resource === undefined) return false;
    this.driver.drop(resource, new NetError(ErrorCode.Removed, "the connection was removed before it was ready"));
    return true;
  }

  isReady(id: ResourceId): boolean | undefined {
    const resource = this.driver.resources.get(id);
    if (resource === undefined) return undefined;
    if (resource instanceof LocalResource) return true;
    // With `reconnect`: ready while a link is up; `send` queues meanwhile.
    return resource.handle instanceof ReconnectingConnection ? resource.handle.isLinked : resource.state === "ready";
  }

  pendingBytes(endpoint: Endpoint): number {
    const resource = this.driver.resources.get(endpoint.id);
    return resource instanceof RemoteResource && resource.handle !== undefined ? resource.handle.pendingBytes() : 0;
  }

  private connectionStats(endpoint: Endpoint): ConnectionStats | undefined {
    const resource = this.driver.resources.get(endpoint.id);
    if (!(resource instanceof RemoteResource) || resource.state !== "ready") return undefined;
    const handle = resource.handle as Connection;
    const { messagesSent, messagesReceived, bytesSent, bytesReceived, openedAt } = resource;
    const lastReceivedAt = Math.max(resource.lastReceivedAt, handle.lastPingAt ?? 0);
    const stats = { messagesSent, messagesReceived, bytesSent, bytesReceived, openedAt, lastReceivedAt };
    return handle.rtt === undefined ? stats : { ...stats, rtt: handle.rtt };
  }

  transportInfo(transport: TransportName): TransportInfo {
    return this.driver.infoOf(transport);
  }

  private open(transport: TransportName, remote: string, options: CommonOptions): RemoteResource {
    this.ensureRunning();
    const adapter = this.adapterFor(transport);
    if (adapter.connect === undefined) throw unsupported(transport, "connect");
    this.checkCodecFits(transport, adapter);
    checkAddress(remote);
    checkOptions(transport, "connect", options, adapter.optionChecks?.connect);
    const limits = resolveLimits(adapter.info, options);
    const reconnect = reconnectSettings((options as ReconnectOption).reconnect);
    if (reconnect !== undefined && !adapter.info.connectionOriented) {
      throw new NetError(
        ErrorCode.InvalidArgument,
        `reconnect needs a connection-oriented transport, not "${transport}"`,
      );
    }
    const resource = new RemoteResource(newResourceId(transport, false), limits, undefined);
    const sink = this.driver.connectionSink(resource);
    let handle: Connection;
    try {
      handle =
        reconnect === undefined
          ? adapter.connect({ remote, options, limits, sink })
          : new ReconnectingConnection(adapter, { remote, options, limits }, sink, reconnect, this.clock, (bytes) => {
              // A held message counts as sent when a link takes it (LAYERS.md 3), not when queued.
              resource.messagesSent += 1;
              resource.bytesSent += bytes;
            });
    } catch (error) {
      resource.dropped = true; // silences any sink call the adapter made before throwing
      throw NetError.from(error, ErrorCode.InvalidArgument);
    }
    resource.handle = handle;
    resource.endpoint = new Endpoint(resource.id, handle.addr);
    this.driver.resources.set(resource.id, resource);
    return resource;
  }

  /** A codec needs message boundaries: a byte stream (`tcp`) has none. */
  private checkCodecFits(transport: TransportName, adapter: Adapter): void {
    if (this.codec === undefined || adapter.info.packetBased) return;
    throw new NetError(
      ErrorCode.InvalidArgument,
      `the ${this.codec.name} codec needs message boundaries, and "${transport}" is a byte stream: use a packet-based transport (framed-tcp, ws)`,
    );
  }

  /** One cluster listener per node (LAYERS.md section 6). */
  private claimCluster(): void {
    if (this.clusterClaimed || this.driver.cluster !== undefined) {
      throw new NetError(ErrorCode.InvalidArgument, "this node already has a cluster listener");
    }
    this.clusterClaimed = true;
  }

  private ensureRunning(): void {
    if (this.isStopped()) throw stopped();
  }

  private adapterFor(transport: TransportName): Adapter {
    const adapter = this.adapters.get(transport);
    if (adapter !== undefined) return adapter;
    if (isBuiltinTransport(transport)) throw unsupported(transport, "use");
    // Most likely a typo ("framedtcp"): say so, and what would have worked.
    const known = [...this.adapters.keys()].map((name) => `"${name}"`).join(", ");
    throw new NetError(ErrorCode.UnsupportedTransport, `unknown transport "${transport}"; this node knows ${known}`);
  }
}

/** Encodes for `send`: a codec that throws is the caller's bug, `INVALID_ARGUMENT` with its error as `cause`. */
function encode(codec: Codec<unknown>, message: unknown): Uint8Array {
  let bytes: unknown;
  try {
    bytes = codec.encode(message);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetError(ErrorCode.InvalidArgument, `the ${codec.name} codec cannot encode this message: ${reason}`, {
      cause: error,
    });
  }
  if (bytes instanceof Uint8Array) return bytes;
  throw new NetError(ErrorCode.InvalidArgument, `the ${codec.name} codec's encode must return a Uint8Array`);
}

/** What `send` takes without a codec. */
export type SendData = Uint8Array | ArrayBufferView | ArrayBuffer | string;

/**
 * The bytes of what the caller passed to `send`, never a copy. A typed array other than
 * `Uint8Array` is viewed as its bytes (not converted element by element, which truncated a
 * `Float32Array`'s values silently).
 */
export function toBytes(data: SendData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return utf8.encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const what = data === null ? "null" : Array.isArray(data) ? "an array" : `a ${typeof data}`;
  throw new NetError(
    ErrorCode.InvalidArgument,
    `send takes a Uint8Array, an ArrayBufferView, an ArrayBuffer or a string, not ${what}`,
  );
}

function checkAddress(addr: unknown): void {
  if (typeof addr !== "string" || addr.length === 0) {
    throw new NetError(ErrorCode.InvalidAddress, `an address must be a non-empty string, not ${String(addr)}`);
  }
}

function unsupported(transport: string, what: string): NetError {
  return new NetError(ErrorCode.UnsupportedTransport, `cannot ${what} transport "${transport}" on this platform`);
}

function stopped(): NetError {
  return new NetError(ErrorCode.Stopped, "the node is stopped");
}
