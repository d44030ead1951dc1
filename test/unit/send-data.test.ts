/**
 * What `send` takes without a codec: every `ArrayBufferView` as its exact bytes (a game's positions
 * are `Float32Array`s), an `ArrayBuffer`, a string; anything else is the caller's bug and throws
 * `INVALID_ARGUMENT` (never a platform `TypeError`, never a silently converted message).
 */
import { Buffer } from "node:buffer";
import { memoryAdapter, SendStatus, split, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { expectThrowsCode, nextOf } from "./helpers.js";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** A connected pair over `transport`; returns the client's endpoint and the server's events. */
async function pair(transport: string, addr: string, adapters = [memoryAdapter()]) {
  const server = split({ adapters });
  const client = split({ adapters });
  stops.push(server.handler.stop, client.handler.stop);
  const serverEvents = server.listener.enqueue();
  const clientEvents = client.listener.enqueue();
  const { addr: bound } = await server.handler.network.listen(transport, addr);
  const endpoint = client.handler.network.connect(transport, bound);
  expect((await nextOf(clientEvents, "connected")).ok).toBe(true);
  await nextOf(serverEvents, "accepted");
  return { network: client.handler.network, endpoint, serverEvents };
}

const received = async (events: Awaited<ReturnType<typeof pair>>["serverEvents"]) =>
  (await nextOf(events, "message")).data;

describe.each([
  ["memory", "server:0"],
  [Transport.FramedTcp, "127.0.0.1:0"],
  [Transport.Ws, "127.0.0.1:0"],
])("send over %s", (transport, addr) => {
  it("sends a Float32Array as its exact bytes, and it reads back as the same floats", async () => {
    const { network, endpoint, serverEvents } = await pair(transport, addr);
    const positions = new Float32Array([1.5, 2.5, 1000]);
    expect(network.send(endpoint, positions)).toBe(SendStatus.Sent);
    const data = await received(serverEvents);
    expect(data.length).toBe(12);
    expect(Array.from(new Float32Array(Uint8Array.from(data).buffer))).toEqual([1.5, 2.5, 1000]);
  });

  it("sends a view into the middle of a buffer as exactly the viewed bytes", async () => {
    const { network, endpoint, serverEvents } = await pair(transport, addr);
    const backing = new Uint16Array([1, 2, 3, 65535, 5]);
    network.send(endpoint, backing.subarray(2, 4)); // 3, 65535
    expect(Array.from(await received(serverEvents))).toEqual([3, 0, 255, 255]);
    const bytes = new Uint8Array([9, 8, 7, 6, 5]);
    network.send(endpoint, new DataView(bytes.buffer, 1, 3));
    expect(Array.from(await received(serverEvents))).toEqual([8, 7, 6]);
    network.send(endpoint, Buffer.from("héllo"));
    expect(Buffer.from(await received(serverEvents)).toString()).toBe("héllo");
    network.send(endpoint, new Float64Array([Math.PI]).buffer);
    expect(new Float64Array(Uint8Array.from(await received(serverEvents)).buffer)[0]).toBe(Math.PI);
  });
});

describe("send of what is not bytes", () => {
  it.each([
    ["a number", 42],
    ["an object", { x: 1 }],
    ["null", null],
    ["undefined", undefined],
    ["a plain array", [1, 2, 3]],
  ])("throws INVALID_ARGUMENT for %s, and sends nothing", async (_name, value) => {
    const { network, endpoint, serverEvents } = await pair("memory", "server:0");
    expectThrowsCode(() => network.send(endpoint, value as never), "INVALID_ARGUMENT");
    network.send(endpoint, "after");
    expect(Buffer.from(await received(serverEvents)).toString()).toBe("after");
  });
});
