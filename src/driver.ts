import type { Connection, ConnectionSink, ListenerSink } from "./adapter.js";
import { Endpoint } from "./endpoint.js";
import { ErrorCode, NetError } from "./errors.js";
import type { EventQueue } from "./event-queue.js";
import type { Peer } from "./events.js";
import type { ResourceId } from "./resource-id.js";
import { newResourceId, transportOf } from "./resource-id.js";
import { type LocalResource, RemoteResource, type Resource } from "./resources.js";
import { type TransportName, transportInfo } from "./transport.js";

/**
 * The one place where the event guarantees are enforced. Adapters report what their sockets do
 * through the sinks made here; the driver keeps the registry and turns those reports into user
 * events, whatever order or repetition an adapter (or a misbehaving peer) produces:
 * - a connection made by `connect` yields exactly one `connected`, before any of its messages;
 * - `disconnected` is a connection's last event, and only follows `connected` (ok) or `accepted`;
 * - nothing of a resource is queued after `remove`/`stop`, and what was queued is discarded.
 */
export class Driver<S> {
  readonly resources = new Map<ResourceId, Resource>();
  /** Set by groups once one is joined: a connection went (disconnected or removed), so it leaves them. */
  onGone: ((endpoint: Endpoint) => void) | undefined;
  /** Set by groups: another node's group message arrived through the cluster listener. */
  onPublished: ((group: string, data: Uint8Array) => void) | undefined;
  /** The node's cluster listener (one at most), through which groups reach the other nodes. */
  cluster: LocalResource | undefined;

  constructor(private readonly queue: EventQueue<S>) {}

  connectionSink(resource: RemoteResource): ConnectionSink {
    return new ConnectionDriver(this, resource);
  }

  listenerSink(listener: LocalResource, transport: TransportName): ListenerSink {
    // A datagram's endpoint is a value (equal by `key`): the last one is reused while the same peer sends.
    let last: Endpoint | undefined;
    return {
      accepted: (connection, peer) => this.accept(listener, transport, connection, peer),
      datagram: (addr, data) => {
        if (listener.dropped || !listener.admit(data.length)) return;
        if (last === undefined || last.addr !== addr) last = new Endpoint(listener.id, addr);
        this.queue.pushEvent({ type: "message", endpoint: last, data, message: data }, listener);
      },
      // In the queue's order: a node's group message reaches the members here only once this
      // node's listener has had every event queued before it (that node's messages included).
      // Past the listener's inbound limits, group messages are dropped (Redis cannot pause a sender).
      published: (group, data) => {
        if (listener.dropped || !listener.admit(data.length)) return;
        this.queue.pushDeferred(() => this.onPublished?.(group, data), data.length, listener);
      },
    };
  }

  /** @internal For the sinks: queues an event owned by `resource`. */
  emit(event: Parameters<EventQueue<S>["pushEvent"]>[0], resource: Resource): void {
    this.queue.pushEvent(event, resource);
  }

  /** A resource ended by itself: forget it. */
  release(resource: RemoteResource): void {
    resource.state = "closed";
    this.resources.delete(resource.id);
    if (resource.listener !== undefined) resource.listener.connections -= 1;
    if (this.onGone !== undefined && resource.endpoint !== undefined) this.onGone(resource.endpoint);
  }

  /** `remove` and `stop`: forget the resource, discard its queued events, close it silently. */
  drop(resource: Resource, reason: NetError): void {
    resource.dropped = true;
    this.resources.delete(resource.id);
    if (resource instanceof RemoteResource) {
      if (resource.state !== "closed" && resource.listener !== undefined) resource.listener.connections -= 1;
      resource.state = "closed";
      resource.waiter?.reject(reason);
      resource.waiter = undefined;
      if (this.onGone !== undefined && resource.endpoint !== undefined) this.onGone(resource.endpoint);
    } else if (resource === this.cluster) {
      this.cluster = undefined;
    }
    closeQuietly(resource.handle);
  }

  private accept(listener: LocalResource, transport: TransportName, connection: Connection, peer?: Peer<unknown>) {
    if (listener.dropped || listener.connections >= listener.maxConnections) {
      closeQuietly(connection);
      return undefined;
    }
    const resource = new RemoteResource(newResourceId(transport, false), listener.limits, listener);
    resource.handle = connection;
    resource.endpoint = new Endpoint(resource.id, connection.addr);
    listener.connections += 1;
    this.resources.set(resource.id, resource);
    const endpoint = resource.endpoint;
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
    this.lossy = !transportInfo(transportOf(resource.id)).connectionOriented;
  }

  ready(peer?: Peer<unknown>): void {
    const resource = this.resource;
    if (resource.dropped || resource.state !== "pending") return;
    if (this.tooEarly(() => this.ready(peer))) return;
    const endpoint = resource.endpoint as Endpoint;
    resource.state = "ready";
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
    if (resource.dropped || !resource.admit(bytes.length, this.lossy)) return;
    this.driver.emit(
      { type: "message", endpoint: resource.endpoint as Endpoint, data: bytes, message: bytes },
      resource,
    );
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

  /** Adapters must not call a sink inside `connect()` (contract rule 3): defer such a call until it returned. */
  private tooEarly(retry: () => void): boolean {
    if (this.resource.endpoint !== undefined) return false;
    queueMicrotask(retry);
    return true;
  }
}

function closeQuietly(handle: { close(): void } | undefined): void {
  try {
    handle?.close();
  } catch {
    // An adapter's close failing must not stop the node: the resource is forgotten either way.
  }
}
