import type { Connection, ConnectionSink, ListenerSink } from "./adapter.js";
import { Endpoint } from "./endpoint.js";
import { ErrorCode, NetError } from "./errors.js";
import type { EventQueue } from "./event-queue.js";
import type { Peer } from "./events.js";
import type { Codec } from "./layer/codec.js";
import type { PeerTracker } from "./layer/identity/peers.js";
import { ReconnectingConnection } from "./layer/reconnect/connection.js";
import type { ResourceId } from "./resource-id.js";
import { newResourceId, transportOf } from "./resource-id.js";
import { type LocalResource, RemoteResource, type Resource } from "./resources.js";
import { Counters } from "./stats.js";
import { type TransportInfo, type TransportName, transportInfo } from "./transport.js";

/**
 * The one place where the event guarantees are enforced. Adapters report what their sockets do
 * through the sinks made here; the driver keeps the registry and turns those reports into user
 * events, whatever order or repetition an adapter (or a misbehaving peer) produces:
 * - a connection made by `connect` yields exactly one `connected`, before any of its messages;
 * - `disconnected` is a connection's last event, and only follows `connected` (ok) or `accepted`;
 * - nothing of a resource is queued after `remove`/`stop`, and what was queued is discarded.
 * With a codec, it decodes each message as it arrives (LAYERS.md section 1), and it counts what
 * every resource receives (section 3).
 */
export class Driver<S> {
  readonly resources = new Map<ResourceId, Resource>();
  /** The counts of resources no longer in `resources`, for the node's totals. */
  readonly retired = new Counters();
  /** Messages received and thrown away: udp over the inbound limits, payloads that did not decode. */
  dropped = 0;
  /** `handler.peers` of a node with `identity`: told of every connection with a peer, and of every end. */
  peers: PeerTracker | undefined;
  /** Set by groups once one is joined: a connection went (disconnected or removed), so it leaves them. */
  onGone: ((endpoint: Endpoint) => void) | undefined;
  /** Set by groups: another node's group message arrived through the cluster listener. */
  onPublished: ((group: string, data: Uint8Array) => void) | undefined;
  /** The node's cluster listener (one at most), through which groups reach the other nodes. */
  cluster: LocalResource | undefined;

  constructor(
    private readonly queue: EventQueue<S>,
    /** The node's codec: `undefined` for a node of bytes, which then pays one check per message. */
    readonly codec: Codec<unknown> | undefined,
    /** The node's own transport capabilities (a custom transport's are its node's, not the process's). */
    readonly infoOf: (transport: TransportName) => TransportInfo = transportInfo,
  ) {}

  connectionSink(resource: RemoteResource): ConnectionSink {
    return new ConnectionDriver(this, resource);
  }

  listenerSink(listener: LocalResource, transport: TransportName): ListenerSink {
    // A datagram's endpoint is a value (equal by `key`): the last one is reused while the same peer sends.
    let last: Endpoint | undefined;
    return {
      accepted: (connection, peer) => this.accept(listener, transport, connection, peer),
      datagram: (addr, data) => {
        if (listener.dropped) return;
        if (listener.inbound.full) {
          this.dropped += 1;
          return;
        }
        let message: unknown = data;
        if (this.codec !== undefined) {
          message = this.decode(data);
          if (message instanceof Undecodable) return;
        }
        listener.inbound.add(data.length);
        listener.messagesReceived += 1;
        listener.bytesReceived += data.length;
        if (last === undefined || last.addr !== addr) last = new Endpoint(listener.id, addr);
        this.queue.pushEvent({ type: "message", endpoint: last, data, message }, listener);
      },
      // In the queue's order: a node's group message reaches the members here only once this
      // node's listener has had every event queued before it (that node's messages included).
      // Past the listener's inbound limits, group messages are dropped (Redis cannot pause a sender).
      published: (group, data) => {
        if (listener.dropped) return;
        if (listener.inbound.full) {
          this.dropped += 1;
          return;
        }
        listener.inbound.add(data.length);
        this.queue.pushDeferred(() => this.onPublished?.(group, data), data.length, listener);
      },
    };
  }

  /** @internal For the sinks: queues an event owned by `resource`. */
  emit(event: Parameters<EventQueue<S>["pushEvent"]>[0], resource: Resource): void {
    this.queue.pushEvent(event, resource);
  }

  /**
   * Decodes a received payload with the node's codec; a payload that does not decode is counted as
   * dropped and gives an `Undecodable` (the caller decides what else it costs the peer).
   */
  decode(data: Uint8Array): unknown {
    try {
      return (this.codec as Codec<unknown>).decode(data);
    } catch (error) {
      this.dropped += 1;
      return new Undecodable(error);
    }
  }

  /** The wall clock for `lastReceivedAt`, read at most once per batch of arrivals (event-queue.ts). */
  receivedAt(): number {
    return this.queue.wallNow();
  }

  /** A resource ended by itself: forget it. */
  release(resource: RemoteResource): void {
    resource.state = "closed";
    this.forget(resource);
    if (resource.listener !== undefined) resource.listener.connections -= 1;
    if (this.peers !== undefined) this.peers.removed(resource.id);
    if (this.onGone !== undefined && resource.endpoint !== undefined) this.onGone(resource.endpoint);
  }

  /** `remove` and `stop`: forget the resource, discard its queued events, close it silently. */
  drop(resource: Resource, reason: NetError): void {
    resource.dropped = true;
    this.forget(resource);
    if (resource instanceof RemoteResource) {
      if (resource.state !== "closed" && resource.listener !== undefined) resource.listener.connections -= 1;
      if (this.peers !== undefined) this.peers.removed(resource.id);
      resource.state = "closed";
      resource.waiter?.reject(reason);
      resource.waiter = undefined;
      if (this.onGone !== undefined && resource.endpoint !== undefined) this.onGone(resource.endpoint);
    } else if (resource === this.cluster) {
      this.cluster = undefined;
    }
    closeQuietly(resource.handle);
  }

  /** Removes a resource from the registry, keeping its counts in the node's totals. */
  private forget(resource: Resource): void {
    if (this.resources.delete(resource.id)) this.retired.add(resource);
  }

  private accept(listener: LocalResource, transport: TransportName, connection: Connection, peer?: Peer<unknown>) {
    if (listener.dropped || listener.connections >= listener.maxConnections) {
      closeQuietly(connection);
      return undefined;
    }
    const resource = new RemoteResource(newResourceId(transport, false), listener.limits, listener);
    resource.handle = connection;
    resource.endpoint = new Endpoint(resource.id, connection.addr);
    resource.openedAt = resource.lastReceivedAt = Date.now();
    listener.connections += 1;
    this.resources.set(resource.id, resource);
    const endpoint = resource.endpoint;
    if (peer !== undefined) this.peers?.added(peer.id, endpoint);
    this.queue.pushEvent(
      peer === undefined
        ? { type: "accepted", endpoint, listener: listener.id }
        : { type: "accepted", endpoint, listener: listener.id, peer: peer as Peer<any> },
      resource,
    );
    return this.connectionSink(resource);
  }
}

class ConnectionDriver<S> implements ConnectionSink {
  /** Connectionless (udp): a full inbound queue drops messages, as the network may. */
  private readonly lossy: boolean;

  constructor(
    private readonly driver: Driver<S>,
    private readonly resource: RemoteResource,
  ) {
    this.lossy = !driver.infoOf(transportOf(resource.id)).connectionOriented;
  }

  ready(peer?: Peer<unknown>): void {
    const resource = this.resource;
    if (resource.dropped || resource.state !== "pending") return;
    if (this.tooEarly(() => this.ready(peer))) return;
    const endpoint = resource.endpoint as Endpoint;
    resource.state = "ready";
    resource.openedAt = resource.lastReceivedAt = Date.now();
    if (peer !== undefined) this.driver.peers?.added(peer.id, endpoint);
    this.driver.emit(
      peer === undefined
        ? { type: "connected", endpoint, ok: true }
        : { type: "connected", endpoint, ok: true, peer: peer as Peer<any> },
      resource,
    );
    resource.waiter?.resolve(endpoint);
    resource.waiter = undefined;
  }

  data(bytes: Uint8Array): void {
    const resource = this.resource;
    if (resource.state !== "ready") {
      if (resource.state === "closed" || resource.dropped) return;
      if (this.tooEarly(() => this.data(bytes))) return;
      this.ready(); // bytes prove the connection is up, even if the adapter did not say so
    }
    if (resource.dropped) return;
    const driver = this.driver;
    let message: unknown = bytes;
    if (driver.codec !== undefined) {
      if (this.lossy && resource.inbound.full) {
        driver.dropped += 1;
        return;
      }
      message = driver.decode(bytes);
      if (message instanceof Undecodable) {
        if (!this.lossy) this.undecodable(bytes.length, message.error);
        return;
      }
    }
    if (!resource.admit(bytes.length, this.lossy)) {
      driver.dropped += 1;
      return;
    }
    resource.messagesReceived += 1;
    resource.bytesReceived += bytes.length;
    resource.lastReceivedAt = driver.receivedAt();
    driver.emit({ type: "message", endpoint: resource.endpoint as Endpoint, data: bytes, message }, resource);
  }

  /**
   * A payload that does not decode is the peer's fault: that connection ends with `DECODE_ERROR`;
   * with `reconnect`, its link drops and comes back (it ends only when it gives up, LAYERS.md 4).
   */
  private undecodable(size: number, cause: unknown): void {
    const resource = this.resource;
    const codec = this.driver.codec as Codec<unknown>;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const addr = (resource.endpoint as Endpoint).addr;
    const handle = resource.handle;
    const error = new NetError(
      ErrorCode.DecodeError,
      `${addr} sent ${size} bytes that ${codec.name} cannot decode: ${reason}`,
      { cause },
    );
    if (handle instanceof ReconnectingConnection) {
      handle.dropLink(error);
      return;
    }
    this.closed(error);
    closeQuietly(handle);
  }

  closed(error?: NetError): void {
    const resource = this.resource;
    if (resource.dropped || resource.state === "closed") return;
    if (this.tooEarly(() => this.closed(error))) return;
    const endpoint = resource.endpoint as Endpoint;
    const wasPending = resource.state === "pending";
    this.driver.release(resource);
    if (wasPending) {
      const failure = error ?? new NetError(ErrorCode.ConnectionLost, `connection to ${endpoint.addr} failed`);
      this.driver.emit({ type: "connected", endpoint, ok: false, error: failure }, resource);
      resource.waiter?.reject(failure);
      resource.waiter = undefined;
    } else {
      this.driver.emit(
        error === undefined ? { type: "disconnected", endpoint } : { type: "disconnected", endpoint, error },
        resource,
      );
    }
  }

  reconnecting(attempt: number, delay: number, error?: NetError): void {
    const resource = this.resource;
    if (resource.dropped || resource.state === "closed") return;
    if (this.tooEarly(() => this.reconnecting(attempt, delay, error))) return;
    const endpoint = resource.endpoint as Endpoint;
    this.driver.emit(
      error === undefined
        ? { type: "reconnecting", endpoint, attempt, delay }
        : { type: "reconnecting", endpoint, attempt, delay, error },
      resource,
    );
  }

  reconnected(peer?: Peer<unknown>): void {
    const resource = this.resource;
    if (resource.dropped || resource.state !== "ready") return;
    const endpoint = resource.endpoint as Endpoint;
    const peers = this.driver.peers;
    if (peer !== undefined && peers !== undefined) {
      // The peer of the new link (a restarted server may come back with another id).
      peers.removed(resource.id);
      peers.added(peer.id, endpoint);
    }
    this.driver.emit(
      peer === undefined
        ? { type: "reconnected", endpoint }
        : { type: "reconnected", endpoint, peer: peer as Peer<any> },
      resource,
    );
  }

  /** Adapters must not call a sink inside `connect()` (contract rule 3): defer such a call until it returned. */
  private tooEarly(retry: () => void): boolean {
    if (this.resource.endpoint !== undefined) return false;
    queueMicrotask(retry);
    return true;
  }
}

/** What `Driver.decode` gives for a payload that did not decode: no codec returns this private class. */
class Undecodable {
  constructor(readonly error: unknown) {}
}

function closeQuietly(handle: { close(): void } | undefined): void {
  try {
    handle?.close();
  } catch {
    // An adapter's close failing must not stop the node: the resource is forgotten either way.
  }
}
