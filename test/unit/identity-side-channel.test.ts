/**
 * Identity over a transport with a reliable side channel (`Connection.sendControl`, as webrtc's
 * signalling socket): control frames travel there, user messages untagged on the data path, and
 * user messages that overtake the peer's ACCEPT are held until it arrives.
 */
import {
  type Adapter,
  type Connection,
  type ConnectionSink,
  type IdentityOptions,
  SendStatus,
  split,
} from "message-io";
import { describe, expect, it } from "vitest";
import { nextOf, text, turns } from "./helpers.js";

const TRANSPORT = "side-channel";

/**
 * One side of a connection whose data takes a microtask and control frames `controlDelay` ms: the
 * connector's are slow, so its ACCEPT reaches the server well after its first messages.
 */
class SideChannelConnection implements Connection {
  peer: SideChannelConnection | undefined;
  sink: ConnectionSink | undefined;
  open = true;
  /** Every frame that went on the data path and the side channel, for the test to inspect. */
  readonly dataSent: Uint8Array[] = [];
  readonly controlSent: Uint8Array[] = [];

  constructor(
    readonly addr: string,
    private readonly controlDelay: number,
  ) {}

  send(data: Uint8Array): SendStatus {
    const bytes = data.slice();
    this.dataSent.push(bytes);
    queueMicrotask(() => this.peer?.open && this.peer.sink?.data(bytes));
    return SendStatus.Sent;
  }

  sendControl(data: Uint8Array): void {
    const bytes = data.slice();
    this.controlSent.push(bytes);
    setTimeout(() => this.peer?.open && this.peer.sink?.control?.(bytes), this.controlDelay);
  }

  pendingBytes(): number {
    return 0;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    const peer = this.peer;
    setTimeout(() => peer?.ended(), 10);
  }

  ended(): void {
    if (!this.open) return;
    this.open = false;
    this.sink?.closed();
  }
}

function sideChannelAdapter() {
  const listeners = new Map<string, (client: SideChannelConnection) => void>();
  const connections: SideChannelConnection[] = [];
  const adapter: Adapter = {
    transport: TRANSPORT,
    info: { connectionOriented: true, packetBased: true, maxMessageSize: 1024 },
    connect({ remote, sink }) {
      const client = new SideChannelConnection(remote, 50);
      client.sink = sink;
      connections.push(client);
      queueMicrotask(() => {
        listeners.get(remote)?.(client);
        sink.ready();
      });
      return client;
    },
    async listen({ addr, sink }) {
      listeners.set(addr, (client) => {
        const server = new SideChannelConnection("client:1", 5);
        connections.push(server);
        server.peer = client;
        client.peer = server;
        server.sink = sink.accepted(server);
      });
      return { addr, close: () => listeners.delete(addr) };
    },
  };
  return { adapter, connections };
}

function node(adapter: Adapter, identity: IdentityOptions) {
  const { handler, listener } = split<string>({ adapters: [adapter], identity });
  return { handler, network: handler.network, events: listener.enqueue() };
}

describe("identity with a side channel", () => {
  it("sends control frames on the side channel and user messages untagged; early messages are held", async () => {
    const { adapter, connections } = sideChannelAdapter();
    const server = node(adapter, { id: "server" });
    const client = node(adapter, { id: "client" });
    await server.network.listen(TRANSPORT, "server:1");
    const endpoint = client.network.connect(TRANSPORT, "server:1");
    const connected = await nextOf(client.events, "connected");
    expect(connected.ok).toBe(true);
    // The client is done once it has the server's ACCEPT; its own ACCEPT is still on its way to
    // the server when these leave on the faster data path.
    expect(client.network.send(endpoint, "first")).toBe(SendStatus.Sent);
    expect(client.network.send(endpoint, "second")).toBe(SendStatus.Sent);
    const accepted = await nextOf(server.events, "accepted");
    expect(accepted.peer?.id).toBe("client");
    expect(text((await nextOf(server.events, "message")).data)).toBe("first");
    expect(text((await nextOf(server.events, "message")).data)).toBe("second");

    const [clientSide] = connections as [SideChannelConnection];
    expect(clientSide.dataSent.map(text)).toEqual(["first", "second"]); // no tag byte
    expect(clientSide.controlSent.map((frame) => frame[0])).toEqual([0x01, 0x02]); // HELLO, ACCEPT
    server.handler.stop();
    client.handler.stop();
    await turns();
  });
});
