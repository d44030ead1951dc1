/**
 * An in-memory transport: the template to copy for a custom adapter, and a way to test an
 * application without sockets. Nodes given the same adapter object reach each other's listeners by
 * address. See `docs/adapters.md` for a walk through it.
 */
import type { Adapter, Connection, ConnectionSink, Listening } from "../adapter.js";
import { ErrorCode, NetError } from "../errors.js";
import { SendStatus } from "../events.js";
import { DEFAULT_MAX_MESSAGE_SIZE } from "../transport.js";

/** Each side of an in-memory connection: what one side sends, the other receives. */
class MemoryConnection implements Connection {
  peer: MemoryConnection | undefined;
  sink: ConnectionSink | undefined;
  open = true;

  constructor(readonly addr: string) {}

  send(data: Uint8Array): SendStatus {
    const peer = this.peer;
    // Copy: the user may reuse `data` once send returns (rule 5), and the peer owns what it gets (rule 6).
    const bytes = data.slice();
    if (peer !== undefined) queueMicrotask(() => peer.open && peer.sink?.data(bytes));
    return SendStatus.Sent;
  }

  pendingBytes(): number {
    return 0;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    const peer = this.peer;
    if (peer !== undefined) queueMicrotask(() => peer.ended());
  }

  /** The peer closed: report it once (rule 4: a handle that ends by itself says so). */
  ended(): void {
    if (!this.open) return;
    this.open = false;
    this.sink?.closed();
  }
}

/** Creates an in-memory transport named `transport`. Addresses are any `"name:port"`; port 0 picks one. */
export function memoryAdapter(transport = "memory"): Adapter {
  const listeners = new Map<string, (client: MemoryConnection) => boolean>();
  let lastPort = 0;
  let lastClientPort = 0;
  return {
    transport,
    info: { connectionOriented: true, packetBased: true, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE },

    connect({ remote, sink }) {
      const client = new MemoryConnection(remote);
      client.sink = sink;
      // Rule 3: the outcome is reported later, never inside connect().
      queueMicrotask(() => {
        if (!client.open) return; // removed while connecting: the server must never see it
        const accept = listeners.get(remote);
        if (accept?.(client)) sink.ready();
        else sink.closed(new NetError("ECONNREFUSED", `nothing listens on ${remote}`));
      });
      return client;
    },

    async listen({ addr, sink }): Promise<Listening> {
      const colon = addr.lastIndexOf(":");
      if (colon < 0) throw new NetError(ErrorCode.InvalidAddress, `"${addr}" is not "name:port"`);
      const host = addr.slice(0, colon);
      const bound = addr.endsWith(":0") ? `${host}:${++lastPort + 40000}` : addr;
      if (listeners.has(bound)) throw new NetError("EADDRINUSE", `${bound} is in use`);
      listeners.set(bound, (client) => {
        const server = new MemoryConnection(`client:${++lastClientPort}`);
        const serverSink = sink.accepted(server);
        if (serverSink === undefined) return false;
        server.sink = serverSink;
        server.peer = client;
        client.peer = server;
        return true;
      });
      return { addr: bound, close: () => listeners.delete(bound) };
    },
  };
}
