/**
 * Identity as an adapter decorator: `split` wraps every packet-based, connection-oriented adapter
 * of a node with `identity` in one of these, so the handshake runs between the byte adapter and the
 * core, and neither of them knows of it.
 */
import type { Adapter, ConnectionSink, ListenerSink, Listening, ResourceLimits } from "../../adapter.js";
import type { Peer } from "../../events.js";
import { type AcceptorHost, IdentityConnection } from "./connection.js";
import type { IdentitySettings } from "./settings.js";
import { MAX_HELLO_FRAME } from "./wire.js";

/**
 * Handshakes one listener runs at a time (fewer with a smaller `maxConnections`). When one more
 * connection arrives, the oldest unfinished handshake is closed to make room: thousands of peers
 * that connect and say nothing hold bounded memory, and a good client still gets through.
 */
export const MAX_PENDING_HANDSHAKES = 1024;

export function identityAdapter(inner: Adapter, settings: IdentitySettings): Adapter {
  const { connect, listen } = inner;
  return {
    transport: inner.transport,
    info: inner.info,
    ...(connect !== undefined && {
      connect(request) {
        const connection = new IdentityConnection(settings, request.limits, request.sink, undefined);
        const handle = connect.call(inner, {
          ...request,
          limits: innerLimits(request.limits),
          sink: connection.innerSink,
        });
        connection.attach(handle);
        return connection;
      },
    }),
    ...(listen !== undefined && {
      async listen(request) {
        const maxConnections = (request.options as { maxConnections?: number }).maxConnections ?? Infinity;
        const host = new ListenerHandshakes(request.sink, Math.min(MAX_PENDING_HANDSHAKES, maxConnections));
        const listening = await listen.call(inner, {
          ...request,
          limits: innerLimits(request.limits),
          sink: host.innerSink(settings, request.limits),
        });
        return host.wrap(listening);
      },
    }),
  };
}

/**
 * The byte adapter's limits: one byte more per message for the tag, and room for a hello even
 * when the user's limit is smaller (the connection checks the user's limit on user messages).
 */
function innerLimits(limits: ResourceLimits): ResourceLimits {
  return { ...limits, maxMessageSize: Math.max(limits.maxMessageSize + 1, MAX_HELLO_FRAME) };
}

/** One listener's handshakes in progress, and its peers by id (one connection per peer id). */
class ListenerHandshakes implements AcceptorHost {
  /** Unfinished handshakes, oldest first. */
  private readonly pending = new Set<IdentityConnection>();
  private readonly byId = new Map<string, IdentityConnection>();
  private closed = false;

  constructor(
    private readonly sink: ListenerSink,
    private readonly maxPending: number,
  ) {}

  innerSink(settings: IdentitySettings, limits: ResourceLimits): ListenerSink {
    const sink = this.sink;
    return {
      accepted: (innerConnection) => {
        if (this.closed || this.maxPending < 1) {
          innerConnection.close();
          return undefined;
        }
        if (this.pending.size >= this.maxPending) this.pending.values().next().value?.close();
        const connection = new IdentityConnection(settings, limits, undefined, this);
        this.pending.add(connection);
        connection.attach(innerConnection);
        return connection.innerSink;
      },
      datagram: (addr, data) => sink.datagram(addr, data),
      ...(sink.published !== undefined && {
        published: (group: string, data: Uint8Array) => sink.published?.(group, data),
      }),
    };
  }

  wrap(listening: Listening): Listening {
    const { sendTo, publish } = listening;
    return {
      get addr() {
        return listening.addr;
      },
      maxMessageSize: listening.maxMessageSize,
      ...(sendTo !== undefined && { sendTo: sendTo.bind(listening) }),
      ...(publish !== undefined && { publish: publish.bind(listening) }),
      close: () => {
        this.closed = true;
        for (const connection of [...this.pending]) connection.close();
        listening.close();
      },
    };
  }

  completed(connection: IdentityConnection, peer: Peer<unknown>): ConnectionSink | undefined {
    this.pending.delete(connection);
    // The older connection of this id ends first, so it frees its place under maxConnections.
    this.byId.get(peer.id)?.replace();
    this.byId.set(peer.id, connection);
    return this.sink.accepted(connection, peer);
  }

  ended(connection: IdentityConnection): void {
    this.pending.delete(connection);
    const id = connection.peer?.id;
    if (id !== undefined && this.byId.get(id) === connection) this.byId.delete(id);
  }
}
