import type { Adapter, CommonListenOptions, CommonOptions, Connection, ResourceLimits } from "./adapter.js";
import type { Driver } from "./driver.js";
import { Endpoint } from "./endpoint.js";
import { ErrorCode, NetError } from "./errors.js";
import { SendStatus } from "./events.js";
import type { ConnectOptionsOf, ListenOptionsOf } from "./options.js";
import { newResourceId, type ResourceId } from "./resource-id.js";
import { LocalResource, RemoteResource } from "./resources.js";
import {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_MESSAGES,
  type TransportInfo,
  type TransportName,
} from "./transport.js";

const utf8 = new TextEncoder();

/** `handler.network`: connect, listen, send and remove, for every transport alike. */
export interface NetworkController {
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
   * Sends a message: a `Uint8Array`, any `ArrayBufferView` (its exact bytes: a `Float32Array` of 3
   * is 12 bytes), an `ArrayBuffer`, or a string (its UTF-8 bytes). Never throws for network
   * reasons; anything else throws `INVALID_ARGUMENT`.
   */
  send(endpoint: Endpoint, data: SendData): SendStatus;
  /** Closes a connection or listener without any event; `false` if unknown. */
  remove(id: ResourceId): boolean;
  /** `false` while pending, `true` when ready (listeners always), `undefined` when unknown. */
  isReady(id: ResourceId): boolean | undefined;
  /** Bytes accepted by `send` and not yet handed to the operating system. */
  pendingBytes(endpoint: Endpoint): number;
}

/** @internal The controller behind `handler.network`. */
export class Network<S> implements NetworkController {
  constructor(
    private readonly adapters: ReadonlyMap<string, Adapter>,
    private readonly driver: Driver<S>,
    private readonly isStopped: () => boolean,
  ) {}

  async listen(transport: TransportName, addr: string, options: CommonListenOptions = {}) {
    this.ensureRunning();
    const adapter = this.adapterFor(transport);
    if (adapter.listen === undefined) throw unsupported(transport, "listen");
    checkAddress(addr);
    const limits = resolveLimits(adapter.info, options);
    const maxConnections = checkLimit(options.maxConnections, "maxConnections", Number.POSITIVE_INFINITY);
    const listener = new LocalResource(newResourceId(transport, true), limits, maxConnections);
    const sink = this.driver.listenerSink(listener, transport);
    try {
      listener.handle = await adapter.listen({ addr, options, limits, sink });
    } catch (error) {
      throw NetError.from(error);
    }
    if (this.isStopped()) {
      this.driver.drop(listener, stopped());
      throw stopped();
    }
    this.driver.resources.set(listener.id, listener);
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

  send(endpoint: Endpoint, data: SendData): SendStatus {
    const bytes = toBytes(data);
    const resource = this.driver.resources.get(endpoint.id);
    if (resource === undefined) return SendStatus.ResourceNotFound;
    if (resource instanceof LocalResource) {
      const listening = resource.handle;
      if (listening?.sendTo === undefined) return SendStatus.ResourceNotFound;
      if (bytes.length > Math.min(listening.maxMessageSize ?? Infinity, resource.limits.maxMessageSize)) {
        return SendStatus.MaxPacketSizeExceeded;
      }
      return listening.sendTo(endpoint.addr, bytes);
    }
    if (resource.state !== "ready") return SendStatus.ResourceNotAvailable;
    const connection = resource.handle as Connection;
    if (bytes.length > Math.min(connection.maxMessageSize ?? Infinity, resource.limits.maxMessageSize)) {
      return SendStatus.MaxPacketSizeExceeded;
    }
    // A message larger than the whole limit still goes when nothing is pending, so every message
    // within maxMessageSize can be sent; the backlog stays below maxPendingBytes plus one message.
    const pending = connection.pendingBytes();
    if (pending > 0 && pending + bytes.length > resource.limits.maxPendingBytes) return SendStatus.BufferFull;
    return connection.send(bytes);
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
    return resource instanceof LocalResource || resource.state === "ready";
  }

  pendingBytes(endpoint: Endpoint): number {
    const resource = this.driver.resources.get(endpoint.id);
    return resource instanceof RemoteResource && resource.handle !== undefined ? resource.handle.pendingBytes() : 0;
  }

  private open(transport: TransportName, remote: string, options: CommonOptions): RemoteResource {
    this.ensureRunning();
    const adapter = this.adapterFor(transport);
    if (adapter.connect === undefined) throw unsupported(transport, "connect");
    checkAddress(remote);
    const limits = resolveLimits(adapter.info, options);
    const resource = new RemoteResource(newResourceId(transport, false), limits, undefined);
    const sink = this.driver.connectionSink(resource);
    let handle: Connection;
    try {
      handle = adapter.connect({ remote, options, limits, sink });
    } catch (error) {
      resource.dropped = true; // silences any sink call the adapter made before throwing
      throw NetError.from(error, ErrorCode.InvalidArgument);
    }
    resource.handle = handle;
    resource.endpoint = new Endpoint(resource.id, handle.addr);
    this.driver.resources.set(resource.id, resource);
    return resource;
  }

  private ensureRunning(): void {
    if (this.isStopped()) throw stopped();
  }

  private adapterFor(transport: TransportName): Adapter {
    const adapter = this.adapters.get(transport);
    if (adapter === undefined) throw unsupported(transport, "use");
    return adapter;
  }
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

function resolveLimits(info: TransportInfo, options: CommonOptions): ResourceLimits {
  return {
    maxMessageSize: checkLimit(options.maxMessageSize, "maxMessageSize", info.maxMessageSize),
    maxPendingBytes: checkLimit(
      options.maxPendingBytes,
      "maxPendingBytes",
      info.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    ),
    maxQueuedMessages: checkLimit(options.maxQueuedMessages, "maxQueuedMessages", DEFAULT_MAX_QUEUED_MESSAGES),
    maxQueuedBytes: checkLimit(options.maxQueuedBytes, "maxQueuedBytes", DEFAULT_MAX_QUEUED_BYTES),
  };
}

function checkLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new NetError(ErrorCode.InvalidArgument, `${name} must be a number >= 0, not ${String(value)}`);
  }
  return value;
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
