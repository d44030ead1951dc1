/**
 * The receiver: takes files from any number of senders at once, each written to a partial file
 * of its own as its chunks come. A file is kept (renamed to its name) only when its size and
 * SHA-256 match what the sender announced; a sender that vanishes mid-file leaves nothing behind.
 *
 * The event callback is async: while a chunk is written, the next event waits (the listener
 * delivers one at a time), which is all the ordering a transfer needs.
 */
import { createHash, type Hash } from "node:crypto";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { type Endpoint, NetError, split, Transport } from "message-io";
import { formatBytes } from "./progress.js";
import { decodeJson, encodeJson, Tag } from "./protocol.js";

interface Transfer {
  readonly name: string;
  readonly size: number;
  readonly partial: string;
  readonly file: FileHandle;
  readonly hash: Hash;
  received: number;
  /** The last tenth of the file reported, so progress prints ten lines at most. */
  reportedTenth: number;
}

export async function runReceiver(addr: string, directory: string): Promise<void> {
  const { handler, listener } = split();
  const { network } = handler;
  try {
    const { addr: bound } = await network.listen(Transport.FramedTcp, addr);
    console.log(`Receiver running by framed-tcp at ${bound}, saving to ${directory}`);
  } catch (error) {
    console.error(`Can not listen by framed-tcp at ${addr}: ${NetError.from(error).code}`);
    handler.stop();
    process.exitCode = 1;
    return;
  }
  process.once("SIGINT", handler.stop);
  process.once("SIGTERM", handler.stop);

  const transfers = new Map<Endpoint, Transfer>();
  let serial = 0;

  /** Ends a transfer; the partial file is removed unless it became the file. */
  const drop = async (endpoint: Endpoint, transfer: Transfer) => {
    transfers.delete(endpoint);
    await transfer.file.close().catch(() => {});
    await rm(transfer.partial, { force: true });
  };

  /** Refuses a sender that broke the protocol: its connection is closed, its partial file removed. */
  const reject = async (endpoint: Endpoint, why: string) => {
    console.log(`${endpoint.addr}: ${why}; closing its connection`);
    network.remove(endpoint.id); // no `disconnected` follows a remove: clean up here
    const transfer = transfers.get(endpoint);
    if (transfer !== undefined) await drop(endpoint, transfer);
  };

  const onRequest = async (endpoint: Endpoint, body: Record<string, unknown> | undefined) => {
    const name = typeof body?.name === "string" ? basename(body.name) : "";
    const size = body?.size;
    if (transfers.has(endpoint) || name === "" || name === "." || name === "..") {
      return reject(endpoint, "an invalid file request");
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      return reject(endpoint, `an invalid size for '${name}'`);
    }
    // A partial file per transfer, so two senders of one name never write into each other.
    const partial = join(directory, `.${name}.${process.pid}-${++serial}.part`);
    let file: FileHandle;
    try {
      file = await open(partial, "wx");
    } catch (error) {
      console.log(`Can not open '${partial}' to write: ${NetError.from(error).code}`);
      network.send(endpoint, encodeJson(Tag.Answer, { accepted: false, reason: "the receiver can not write it" }));
      return;
    }
    transfers.set(endpoint, { name, size, partial, file, hash: createHash("sha256"), received: 0, reportedTenth: 0 });
    console.log(`Accept file '${name}' with ${size} bytes from ${endpoint.addr}`);
    network.send(endpoint, encodeJson(Tag.Answer, { accepted: true }));
  };

  const onChunk = async (endpoint: Endpoint, transfer: Transfer, bytes: Uint8Array) => {
    if (transfer.received + bytes.length > transfer.size)
      return reject(endpoint, `more bytes than '${transfer.name}' has`);
    await transfer.file.write(bytes);
    transfer.hash.update(bytes);
    transfer.received += bytes.length;
    const tenth = Math.floor((transfer.received / transfer.size) * 10);
    if (tenth > transfer.reportedTenth && tenth < 10) {
      transfer.reportedTenth = tenth;
      console.log(`Receiving '${transfer.name}': ${tenth * 10}%`);
    }
  };

  const onEnd = async (endpoint: Endpoint, transfer: Transfer, sha256: Uint8Array) => {
    const ok = transfer.received === transfer.size && Buffer.from(sha256).equals(transfer.hash.digest());
    if (ok) {
      await transfer.file.close();
      await rename(transfer.partial, join(directory, transfer.name));
      transfers.delete(endpoint);
      console.log(`File '${transfer.name}' received: ${formatBytes(transfer.size)}, sha256 verified`);
    } else {
      await drop(endpoint, transfer);
      console.log(`File '${transfer.name}' is corrupt (size or sha256 differ): discarded`);
    }
    network.send(endpoint, encodeJson(Tag.Verified, { ok }));
  };

  try {
    await listener.forEach(async (event) => {
      if (event.type === "message") {
        const { endpoint, data } = event;
        const transfer = transfers.get(endpoint);
        const body = data.subarray(1);
        try {
          if (data[0] === Tag.Request) await onRequest(endpoint, decodeJson(data));
          else if (transfer === undefined) await reject(endpoint, "data without a file request");
          else if (data[0] === Tag.Chunk) await onChunk(endpoint, transfer, body);
          else if (data[0] === Tag.End && body.length === 32) await onEnd(endpoint, transfer, body);
          else await reject(endpoint, "an unknown message");
        } catch (error) {
          // A disk error ends that transfer only, never the receiver.
          await reject(endpoint, `a failure writing (${NetError.from(error).message})`);
        }
      } else if (event.type === "disconnected") {
        const transfer = transfers.get(event.endpoint);
        if (transfer === undefined) return;
        const percent = transfer.size === 0 ? 100 : Math.floor((transfer.received / transfer.size) * 100);
        await drop(event.endpoint, transfer);
        console.log(`Sender of '${transfer.name}' vanished at ${percent}%: partial file removed`);
      }
    });
  } finally {
    // Stopped (Ctrl-C): nothing half-written stays behind.
    for (const [endpoint, transfer] of transfers) await drop(endpoint, transfer);
  }
}
