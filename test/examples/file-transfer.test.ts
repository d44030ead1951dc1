/**
 * The file-transfer example: a receiver and senders as child processes. Files arrive whole and
 * verified by SHA-256, from several senders at once; a sender killed mid-file leaves no partial
 * file and does not disturb the receiver; a file whose hash does not match is discarded.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventReceiver, split, Transport } from "message-io";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Child, killChildren, startExample } from "./children.js";

const SCRIPT = "file-transfer/main.js";
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "file-transfer-"));
});

afterEach(async () => {
  await killChildren();
  await rm(work, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function startReceiver(): Promise<{ receiver: Child; addr: string; out: string }> {
  const out = join(work, "out");
  const receiver = startExample("receiver", SCRIPT, ["receiver", "127.0.0.1:0", "--dir", out]);
  const [, addr] = await receiver.waitFor(/Receiver running by framed-tcp at (127\.0\.0\.1:\d+)/);
  return { receiver, addr: addr as string, out };
}

async function makeFile(name: string, size: number): Promise<{ path: string; hash: string }> {
  const bytes = randomBytes(size);
  const path = join(work, name);
  await writeFile(path, bytes);
  return { path, hash: sha256(bytes) };
}

function startSender(path: string, addr: string, ...options: string[]): Child {
  return startExample(`sender of ${path}`, SCRIPT, ["sender", path, addr, ...options]);
}

async function hashOf(path: string): Promise<string> {
  return sha256(await readFile(path));
}

it("receives files from several senders at once, each whole and verified by hash", async () => {
  const { receiver, addr, out } = await startReceiver();
  const files = {
    "large.bin": await makeFile("large.bin", 3 * 1024 * 1024 + 5),
    "small.bin": await makeFile("small.bin", 1000),
    "empty.txt": await makeFile("empty.txt", 0),
  };
  const senders = Object.values(files).map(({ path }) => startSender(path, addr));

  for (const sender of senders) {
    expect((await sender.waitForExit()).code).toBe(0);
    expect(sender.output).toMatch(/sent and verified by the receiver/);
  }
  for (const name of Object.keys(files)) await receiver.waitFor(`File '${name}' received`);
  expect((await readdir(out)).sort()).toEqual(Object.keys(files).sort());
  for (const [name, { hash }] of Object.entries(files)) expect(await hashOf(join(out, name))).toBe(hash);
});

it("survives a sender killed mid-file, removing its partial file, and goes on receiving", async () => {
  const { receiver, addr, out } = await startReceiver();
  // Throttled to 1 MB/s, 16 MB take 16 s: it is surely mid-file when killed.
  const slow = await makeFile("slow.bin", 16 * 1024 * 1024);
  const doomed = startSender(slow.path, addr, "--max-rate", "1000000");
  await receiver.waitFor("Receiving 'slow.bin': 10%");

  // Meanwhile, another sender gets its file through.
  const other = await makeFile("other.bin", 512 * 1024);
  const concurrent = startSender(other.path, addr);
  expect((await concurrent.waitForExit()).code).toBe(0);
  await receiver.waitFor("File 'other.bin' received");

  doomed.kill("SIGKILL");
  const [, percent] = await receiver.waitFor(/Sender of 'slow\.bin' vanished at (\d+)%: partial file removed/);
  expect(Number(percent)).toBeGreaterThanOrEqual(10);
  expect(Number(percent)).toBeLessThan(100);
  expect(await readdir(out)).toEqual(["other.bin"]);

  const after = await makeFile("after.bin", 200_000);
  const next = startSender(after.path, addr);
  expect((await next.waitForExit()).code).toBe(0);
  await receiver.waitFor("File 'after.bin' received");
  expect((await readdir(out)).sort()).toEqual(["after.bin", "other.bin"]);
  expect(await hashOf(join(out, "after.bin"))).toBe(after.hash);
});

it("discards a file whose SHA-256 does not match, and says so to its sender", async () => {
  const { receiver, addr, out } = await startReceiver();
  // A sender written against the protocol by hand, that lies about the hash.
  const { handler, listener } = split();
  try {
    const rx = listener.enqueue();
    const endpoint = await handler.network.connectAsync(Transport.FramedTcp, addr);
    const tagged = (tag: number, body: Uint8Array) => new Uint8Array([tag, ...body]);
    const content = new TextEncoder().encode("hello");
    handler.network.send(endpoint, tagged(0, new TextEncoder().encode(JSON.stringify({ name: "lie.txt", size: 5 }))));
    expect(await nextBody(rx)).toBe('{"accepted":true}');
    handler.network.send(endpoint, tagged(1, content));
    handler.network.send(endpoint, tagged(2, new Uint8Array(32))); // not the hash of "hello"
    expect(await nextBody(rx)).toBe('{"ok":false}');
  } finally {
    handler.stop();
  }
  await receiver.waitFor("File 'lie.txt' is corrupt (size or sha256 differ): discarded");
  expect(await readdir(out)).toEqual([]);
});

/** The body (after the tag byte) of the next message, skipping the `connected` event; within 10 s. */
async function nextBody(rx: EventReceiver<never>): Promise<string> {
  for (let events = 0; events < 3; events++) {
    const event = await rx.receiveTimeout(10_000);
    if (event === undefined) break;
    if (event.type === "message") return new TextDecoder().decode(event.data.subarray(1));
  }
  throw new Error("no message from the receiver");
}
