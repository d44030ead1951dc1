/**
 * The custom-transport example of docs/adapters.md: two nodes talk over the `unix` adapter, and
 * the API's guarantees hold for it as for a built-in transport (one `connected`, messages whole
 * and in order, `disconnected` last, nothing after `remove`, a misbehaving peer ends only itself).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, type NodeEvent, SendStatus, split } from "message-io";
import { describeAdapterContract } from "message-io/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { UNIX_TRANSPORT, unixSocketAdapter } from "../../demo-node/unix-socket-adapter.js";
import {
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  patternBytes,
  Recorder,
  sameBytes,
} from "../support/recorder.js";

let directory: string;
const nodes: Recorder[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "unix-adapter-"));
});

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  await rm(directory, { recursive: true, force: true });
});

// The contract every adapter passes; a fresh socket path per listener.
let paths = 0;
describeAdapterContract({
  transport: UNIX_TRANSPORT,
  adapters: [unixSocketAdapter()],
  listenAddr: () => join(directory, `contract-${++paths}.sock`),
  // Nothing listens on a path once its listener is gone: Node removed the socket file.
  refusedCode: "ENOENT",
  enforcesPeerLimit: true,
});

/** A node with the unix transport, recording its events; `onEvent` may answer them. */
function unixNode(onEvent?: (node: Recorder, event: NodeEvent<never>) => void): Recorder {
  const node: Recorder = new Recorder(split({ adapters: [unixSocketAdapter()] }), (event) => onEvent?.(node, event));
  nodes.push(node);
  return node;
}

const echo = (node: Recorder, event: NodeEvent<never>) => {
  if (event.type === "message") node.network.send(event.endpoint, event.data);
};

it("two nodes talk: one connected, messages whole and in order both ways, disconnected last", async () => {
  const server = unixNode(echo);
  const path = join(directory, "echo.sock");
  const { addr } = await server.network.listen(UNIX_TRANSPORT, path);
  expect(addr).toBe(path);

  const client = unixNode();
  const endpoint = client.network.connect(UNIX_TRANSPORT, path);
  expect(client.network.send(endpoint, "too early")).toBe(SendStatus.ResourceNotAvailable);
  const connected = await client.waitFor(isConnected);
  expect(connected).toMatchObject({ ok: true });
  expect(connected.endpoint).toBe(endpoint);
  const accepted = await server.waitFor(isAccepted);

  // Empty, large (split across many reads), and a run of small messages.
  const messages = [
    new Uint8Array(0),
    patternBytes(3 * 1024 * 1024),
    ...Array.from({ length: 200 }, (_, i) => `#${i}`),
  ];
  for (const message of messages) expect(client.network.send(endpoint, message)).toBe(SendStatus.Sent);
  const echoed = await client.waitForCount(isMessage, messages.length);
  for (const [i, message] of messages.entries()) {
    const expected = typeof message === "string" ? new TextEncoder().encode(message) : message;
    expect(sameBytes(echoed[i]?.data as Uint8Array, expected), `message ${i}`).toBe(true);
    expect(echoed[i]?.endpoint).toBe(endpoint);
  }

  // remove: no event for it on this side, and `disconnected` as the peer's last event.
  expect(client.network.remove(endpoint.id)).toBe(true);
  const gone = await server.waitFor(isDisconnected);
  expect(gone.endpoint).toBe(accepted.endpoint);
  const serverSide = server.about(accepted.endpoint.key).map((event) => event.type);
  expect(serverSide[0]).toBe("accepted");
  expect(serverSide.at(-1)).toBe("disconnected");
  expect(serverSide.filter((type) => type === "message")).toHaveLength(messages.length);
  expect(client.about(endpoint.key).map((event) => event.type)).toEqual([
    "connected",
    ...messages.map(() => "message"),
  ]);
  expect(client.network.send(endpoint, "after remove")).toBe(SendStatus.ResourceNotFound);
});

it("a connect to a path where nothing listens gives exactly one connected, not ok", async () => {
  const client = unixNode();
  const endpoint = client.network.connect(UNIX_TRANSPORT, join(directory, "nobody.sock"));
  const connected = await client.waitFor(isConnected);
  expect(connected).toMatchObject({ ok: false, endpoint });
  expect(connected.error?.code).toBe("ENOENT");
  // A marker through the same queue: nothing else about that endpoint came before it.
  client.handler.signals.send("marker" as never);
  await client.waitFor((event) => event.type === "signal");
  expect(client.about(endpoint.key)).toHaveLength(1);
  expect(client.network.isReady(endpoint.id)).toBeUndefined();
});

it("a listener that stops disconnects its clients; its socket file is gone", async () => {
  const server = unixNode();
  const path = join(directory, "server.sock");
  await server.network.listen(UNIX_TRANSPORT, path);
  const client = unixNode();
  const endpoint = client.network.connect(UNIX_TRANSPORT, path);
  await client.waitFor(isConnected);
  await server.waitFor(isAccepted);
  await server.stop();
  const disconnected = await client.waitFor(isDisconnected);
  expect(disconnected.endpoint).toBe(endpoint);
  // The path is free again: a new listener can take it.
  const again = unixNode();
  await expect(again.network.listen(UNIX_TRANSPORT, path)).resolves.toMatchObject({ addr: path });
});

it("a peer that breaks the framing ends with PROTOCOL_ERROR, and the listener goes on", async () => {
  const server = unixNode(echo);
  const path = join(directory, "strict.sock");
  await server.network.listen(UNIX_TRANSPORT, path);
  const raw = net.connect({ path });
  raw.on("error", () => {});
  await new Promise((resolve) => raw.once("connect", resolve));
  raw.write(Buffer.alloc(11, 0xff)); // a length prefix longer than 10 bytes
  const ended = await server.waitFor(isDisconnected);
  expect(ended.error?.code).toBe(ErrorCode.ProtocolError);
  raw.destroy();

  const client = unixNode();
  const endpoint = client.network.connect(UNIX_TRANSPORT, path);
  await client.waitFor(isConnected);
  client.network.send(endpoint, "still there?");
  const answer = await client.waitFor(isMessage);
  expect(new TextDecoder().decode(answer.data)).toBe("still there?");
});

it("checks its options before opening anything: the stream adapter's checks come with it", async () => {
  const node = unixNode();
  const path = join(directory, "checked.sock");
  const invalid = expect.objectContaining({
    code: ErrorCode.InvalidArgument,
    message: expect.stringContaining("timeout"),
  });
  expect(() => node.network.connect(UNIX_TRANSPORT, path, { timeout: -5 })).toThrow(invalid);
  await expect(node.network.listen(UNIX_TRANSPORT, path, { backlog: 1.5 })).rejects.toMatchObject({
    code: ErrorCode.InvalidArgument,
  });
  expect(existsSync(path)).toBe(false);
});
