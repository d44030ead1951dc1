/**
 * `identity.ping` detects dead peers (LAYERS.md section 2): a peer in a stopped process (SIGSTOP,
 * whose kernel still answers TCP) has not answered for two intervals and is ended with ETIMEDOUT,
 * on the listening side as on the connecting side (the browser's only way to see it over ws).
 */
import { type NetEvent, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { identityNode, stopIdentityNodes } from "../support/identity.js";
import { isAccepted, isDisconnected, isMessage } from "../support/recorder.js";
import { ChildPeer, killAllPeers } from "./child-peer.js";
import { guardEveryTest } from "./support.js";

type Disconnected = Extract<NetEvent, { type: "disconnected" }>;

const LOCAL = "127.0.0.1:0";
const PING = 200;

guardEveryTest(killAllPeers);
afterEach(stopIdentityNodes);

const dial = (transport: string, addr: string) => (transport === Transport.Ws ? `ws://${addr}/` : addr);

describe.each([Transport.FramedTcp, Transport.Ws])("%s with identity.ping", (transport) => {
  it("the listener ends a stopped client with ETIMEDOUT, and keeps the live one", async () => {
    const server = identityNode({ id: "server", ping: PING });
    const { addr } = await server.network.listen(transport, LOCAL);
    const live = identityNode({ id: "live" });
    const liveEndpoint = await live.network.connectAsync(transport, dial(transport, addr));
    const peer = ChildPeer.start("client", { transport, remote: dial(transport, addr), identity: { id: "stopped" } });
    const stoppedSide = await server.waitFor((e) => isAccepted(e) && e.peer?.id === "stopped");
    peer.signal("SIGSTOP");
    const stoppedAt = performance.now();
    const gone = await server.waitFor(
      (e): e is Disconnected => isDisconnected(e) && e.endpoint === (stoppedSide as Disconnected).endpoint,
    );
    expect(gone.error?.code).toBe("ETIMEDOUT");
    expect(performance.now() - stoppedAt).toBeLessThan(3 * PING + 1_000);
    expect(live.network.send(liveEndpoint, "still here")).toBe("sent");
    expect(server.events.filter(isDisconnected)).toHaveLength(1);
    await server.waitFor(isMessage);
    peer.signal("SIGCONT");
  });

  it("the connector ends a stopped server with ETIMEDOUT", async () => {
    const peer = ChildPeer.start("server", { listen: [[transport, LOCAL]], identity: { id: "stopped-server" } });
    const addr = (await peer.listening(1)).get(transport) as string;
    const client = identityNode({ id: "client", ping: PING });
    const endpoint = await client.network.connectAsync(transport, dial(transport, addr));
    peer.signal("SIGSTOP");
    const stoppedAt = performance.now();
    const gone = await client.waitFor(isDisconnected);
    expect(gone.endpoint).toBe(endpoint);
    expect(gone.error?.code).toBe("ETIMEDOUT");
    expect(performance.now() - stoppedAt).toBeLessThan(3 * PING + 1_000);
    peer.signal("SIGCONT");
  });
});
