/**
 * Groups (LAYERS.md section 5) over real ws connections: membership, one encoded message handed to
 * every member but `except`, and members leaving when they go.
 */
import { type Endpoint, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { isAccepted, isConnected, isMessage, type Recorder, recordedNode, stopAll } from "../support/recorder.js";

afterEach(stopAll);

const utf8 = new TextDecoder();

/** A ws server and `count` clients connected to it; `members` are the server's endpoints, in connect order. */
async function serverWithClients(count: number) {
  const server = recordedNode();
  const { addr } = await server.network.listen(Transport.Ws, "127.0.0.1:0");
  const clients: Recorder[] = [];
  for (let i = 0; i < count; i++) {
    const client = recordedNode();
    client.network.connect(Transport.Ws, addr);
    await client.waitFor(isConnected);
    clients.push(client);
  }
  const accepted = await server.waitForCount(isAccepted, count);
  return { server, clients, members: accepted.map((e) => e.endpoint) };
}

const texts = (client: Recorder) => client.ofType("message").map((e) => utf8.decode(e.data));

describe("groups", () => {
  it("join and leave say whether they changed anything; members lists the group in joining order", async () => {
    const { server, members } = await serverWithClients(3);
    const [a, b, c] = members as [Endpoint, Endpoint, Endpoint];
    const groups = server.handler.groups;
    expect(groups.join("room", b)).toBe(true);
    expect(groups.join("room", a)).toBe(true);
    expect(groups.join("room", b)).toBe(false);
    expect(groups.members("room")).toEqual([b, a]);
    expect(groups.members("nobody")).toEqual([]);
    expect(groups.leave("room", c)).toBe(false);
    expect(groups.leave("room", b)).toBe(true);
    expect(groups.leave("room", b)).toBe(false);
    expect(groups.members("room")).toEqual([a]);
  });

  it("only a live connection of this node joins: not a listener, not an unknown or removed one", async () => {
    const { server, members } = await serverWithClients(1);
    const { id } = await server.network.listen(Transport.Udp, "127.0.0.1:0");
    const groups = server.handler.groups;
    const member = members[0] as Endpoint;
    expect(groups.join("room", server.network.connect(Transport.Ws, "127.0.0.1:1"))).toBe(false); // pending
    expect(groups.join("room", { id, addr: "127.0.0.1:9", key: "" } as Endpoint)).toBe(false);
    server.network.remove(member.id);
    expect(groups.join("room", member)).toBe(false);
    expect(groups.members("room")).toEqual([]);
  });

  it("send hands one message to every member but except, and counts them", async () => {
    const { server, clients, members } = await serverWithClients(4);
    const groups = server.handler.groups;
    for (const member of members) groups.join("all", member);
    expect(groups.send("all", "one")).toBe(4);
    expect(groups.send("all", "two", { except: members[1] })).toBe(3);
    expect(groups.send("all", "three", { except: [members[0] as Endpoint, members[3] as Endpoint] })).toBe(2);
    expect(groups.send("empty", "none")).toBe(0);
    await Promise.all(clients.map((c, i) => c.waitForCount(isMessage, [2, 2, 3, 2][i] as number)));
    expect(clients.map(texts)).toEqual([
      ["one", "two"],
      ["one", "three"],
      ["one", "two", "three"],
      ["one", "two"],
    ]);
  });

  it("a member that disconnects or is removed leaves every group; an empty group is forgotten", async () => {
    const { server, clients, members } = await serverWithClients(3);
    const [a, b, c] = members as [Endpoint, Endpoint, Endpoint];
    const groups = server.handler.groups;
    for (const group of ["red", "blue"]) for (const m of [a, b, c]) groups.join(group, m);
    groups.join("alone", a);
    clients[0]?.handler.stop(); // a goes away by itself
    await server.waitFor((e) => e.type === "disconnected" && e.endpoint === a);
    server.network.remove(b.id);
    expect(groups.members("red")).toEqual([c]);
    expect(groups.members("blue")).toEqual([c]);
    expect(groups.members("alone")).toEqual([]);
    expect(groups.join("alone", c)).toBe(true); // a forgotten group is made afresh
    expect(groups.send("red", "still here")).toBe(1);
    await clients[2]?.waitFor(isMessage);
  });

  it("a group name is a string", async () => {
    const { server, members } = await serverWithClients(1);
    expect(() => server.handler.groups.join(7 as unknown as string, members[0] as Endpoint)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
