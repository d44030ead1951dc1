/**
 * The sender: asks the receiver to take a file, then streams it in chunks as fast as the
 * connection drains, and ends with the file's SHA-256 so the receiver can check what it wrote.
 *
 * Pacing is the library's backpressure: `send` returns "buffer-full" once the connection holds
 * `maxPendingBytes` not yet handed to the operating system; the chunk is then kept and retried on
 * a timer signal. Nothing sleeps, and other events (the receiver's answer, its disconnection) are
 * handled in between.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { SendStatus, split, Transport } from "message-io";
import { formatBytes, Progress } from "./progress.js";
import { decodeJson, encodeEnd, encodeJson, Tag } from "./protocol.js";

const CHUNK_SIZE = 64 * 1024;
/** The backlog past which `send` says "buffer-full": enough to keep loopback busy, small enough to react. */
const MAX_PENDING_BYTES = 1024 * 1024;
/** How long to let the connection drain before trying a refused chunk again. */
const RETRY_MS = 5;
/** Chunks per turn before letting other events through. */
const BURST = 16;

export interface SenderOptions {
  /** Bytes per second at most (a politeness limit); unlimited when undefined. */
  readonly maxRate: number | undefined;
}

type Signal = "send-more";

export async function runSender(path: string, receiverAddr: string, options: SenderOptions): Promise<void> {
  const file = await open(path, "r");
  const size = (await file.stat()).size;
  const name = basename(path);
  const { handler, listener } = split<Signal>();
  const { network } = handler;
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);
  const receiver = network.connect(Transport.FramedTcp, receiverAddr, { maxPendingBytes: MAX_PENDING_BYTES });

  const hash = createHash("sha256");
  const progress = new Progress(`Sending '${name}'`, size);
  let started = 0;
  let read = 0; // bytes read from the file (and hashed)
  let sent = 0; // bytes `send` accepted
  let held: Uint8Array | undefined; // a chunk read but refused by "buffer-full"
  let backpressureWaits = 0;
  let ended = false;

  /** The next chunk message: the tag byte, then the bytes, read straight behind it. */
  const readChunk = async (): Promise<Uint8Array> => {
    const message = new Uint8Array(1 + Math.min(CHUNK_SIZE, size - read));
    message[0] = Tag.Chunk;
    const { bytesRead } = await file.read(message, 1, message.length - 1, read);
    if (bytesRead !== message.length - 1) throw new Error(`'${path}' changed while being sent`);
    read += bytesRead;
    hash.update(message.subarray(1));
    return message;
  };

  /** Milliseconds to wait so as not to pass `maxRate`, or 0. */
  const rateWait = (bytes: number): number => {
    if (options.maxRate === undefined) return 0;
    const allowedAt = started + ((sent + bytes) / options.maxRate) * 1000;
    return Math.max(0, Math.ceil(allowedAt - performance.now()));
  };

  const sendMore = async (): Promise<void> => {
    if (ended) return;
    for (let burst = 0; burst < BURST; burst++) {
      if (held === undefined) {
        if (read >= size) {
          network.send(receiver, encodeEnd(hash.digest()));
          ended = true;
          progress.update(sent, true);
          progress.finish();
          console.log(`Sent ${formatBytes(size)}; waiting for the receiver's check`);
          return;
        }
        held = await readChunk();
      }
      const wait = rateWait(held.length - 1);
      if (wait > 0) {
        handler.signals.sendWithTimer("send-more", wait);
        return;
      }
      const status = network.send(receiver, held);
      if (status === SendStatus.BufferFull) {
        backpressureWaits += 1;
        handler.signals.sendWithTimer("send-more", RETRY_MS);
        return;
      }
      if (status !== SendStatus.Sent) {
        console.error(`\nCan not send: ${status}`);
        process.exitCode = 1;
        handler.stop();
        return;
      }
      sent += held.length - 1;
      held = undefined;
      // What the operating system took so far (the backlog also holds each chunk's few framing bytes).
      progress.update(Math.max(0, sent - network.pendingBytes(receiver)));
    }
    handler.signals.send("send-more");
  };

  try {
    await listener.forEach(async (event) => {
      switch (event.type) {
        case "connected":
          if (!event.ok) {
            console.error(`Can not connect to the receiver at ${receiverAddr}: ${event.error?.code}`);
            process.exitCode = 1;
            handler.stop();
            return;
          }
          console.log(`Sender connected by framed-tcp at ${receiver.addr}`);
          network.send(receiver, encodeJson(Tag.Request, { name, size }));
          break;
        case "signal":
          await sendMore();
          break;
        case "message":
          onAnswer(event.data);
          break;
        case "disconnected":
          console.error(`\nThe receiver disconnected${event.error ? ` (${event.error.code})` : ""}`);
          process.exitCode = 1;
          handler.stop();
          break;
      }
    });
  } finally {
    await file.close();
  }

  function onAnswer(data: Uint8Array): void {
    const body = decodeJson(data);
    if (data[0] === Tag.Answer && body !== undefined && !ended) {
      if (body.accepted !== true) {
        console.error(`The receiver can not take '${name}': ${String(body.reason ?? "no reason given")}`);
        process.exitCode = 1;
        handler.stop();
        return;
      }
      started = performance.now();
      handler.signals.send("send-more");
    } else if (data[0] === Tag.Verified && body !== undefined && ended) {
      const pauses = backpressureWaits === 0 ? "" : ` (paused ${backpressureWaits} times for backpressure)`;
      if (body.ok === true) console.log(`File '${name}' sent and verified by the receiver (sha256)${pauses}`);
      else {
        console.error(`The receiver found '${name}' corrupt`);
        process.exitCode = 1;
      }
      handler.stop();
    }
  }
}
