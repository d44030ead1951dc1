/**
 * A quick look at what each transport carries on this machine: one node sends a fixed amount of
 * data to another over 127.0.0.1, as fast as the library lets it, and the messages and bytes per
 * second are printed per transport. (For careful numbers, with warm-up, repetitions and
 * baselines, see the benchmark suite in bench/.)
 *
 *   npm run throughput -- [--bytes <per transport>] [--size <message bytes>] [--transports tcp,framed-tcp,udp,ws]
 */
import { SendStatus, split, Transport, transportInfo } from "message-io";

const USAGE = "usage: throughput [--bytes <per transport>] [--size <message bytes>] [--transports tcp,udp,...]";
/** Messages per signal before letting other events (and I/O) through. */
const BURST = 64;
/** udp has no backpressure: the sender keeps at most this much unreceived, below the kernel's receive buffer. */
const UDP_WINDOW_BYTES = 64 * 1024;
/** udp: bytes still unreceived after this long are counted as lost. */
const UDP_LOSS_MS = 200;

interface Counters {
  sentBytes: number;
  sentMessages: number;
  receivedBytes: number;
  receivedMessages: number;
  /** udp only: bytes given up for lost. */
  lostBytes: number;
  start: number;
  end: number;
}

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : (args[at + 1] ?? fallback);
}

/** Sends `total` bytes in messages of `size` over `transport`, from one node to another. */
async function measure(transport: Transport, total: number, size: number): Promise<Counters> {
  const { connectionOriented } = transportInfo(transport);
  const counters: Counters = {
    sentBytes: 0,
    sentMessages: 0,
    receivedBytes: 0,
    receivedMessages: 0,
    lostBytes: 0,
    start: 0,
    end: 0,
  };
  const accounted = () => counters.receivedBytes + counters.lostBytes;
  const receiver = split();
  const sender = split<"send">();
  const { network, signals } = sender.handler;
  try {
    const { addr } = await receiver.handler.network.listen(transport, "127.0.0.1:0");
    let allReceived = () => {};
    const received = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    void receiver.listener.forEach((event) => {
      if (event.type !== "message") return;
      counters.receivedBytes += event.data.length;
      counters.receivedMessages += 1;
      counters.end = performance.now();
      if (accounted() >= total) allReceived();
    });

    const message = new Uint8Array(size).fill(0xff);
    const endpoint = network.connect(transport, addr);
    let lastProgress = { accounted: 0, at: 0 };
    /**
     * udp has no backpressure: the sender waits while `window` bytes are unreceived, and what does
     * not arrive within UDP_LOSS_MS of the last progress is counted lost.
     */
    const udpMaySend = (window: number): boolean => {
      const now = performance.now();
      if (accounted() !== lastProgress.accounted) lastProgress = { accounted: accounted(), at: now };
      const inFlight = counters.sentBytes - accounted();
      if (inFlight < window) return true;
      if (now - lastProgress.at >= UDP_LOSS_MS) {
        counters.lostBytes += inFlight;
        if (accounted() >= total) allReceived();
      }
      return false;
    };
    const sendBurst = () => {
      for (let i = 0; i < BURST && counters.sentBytes < total; i++) {
        if (!connectionOriented && !udpMaySend(UDP_WINDOW_BYTES)) return void signals.sendWithTimer("send", 1);
        const status = network.send(endpoint, message);
        // Backpressure: the connection holds maxPendingBytes already; try again once it drained a bit.
        if (status === SendStatus.BufferFull) return void signals.sendWithTimer("send", 1);
        if (status !== SendStatus.Sent) throw new Error(`${transport}: send said "${status}"`);
        counters.sentBytes += size;
        counters.sentMessages += 1;
      }
      if (counters.sentBytes < total) signals.send("send");
      // All sent: on udp, keep watching until the last datagrams are received or given up for lost.
      else if (!connectionOriented && !udpMaySend(1)) signals.sendWithTimer("send", UDP_LOSS_MS / 4);
    };
    const sending = sender.listener.forEach((event) => {
      if (event.type === "connected") {
        if (!event.ok) throw event.error;
        counters.start = performance.now();
        sendBurst();
      } else if (event.type === "signal") sendBurst();
    });
    // The sender's forEach settles only if it fails (it rejects with the error) or stops.
    await Promise.race([received, sending.then(() => Promise.reject(new Error(`${transport}: the sender stopped`)))]);
    return counters;
  } finally {
    sender.handler.stop();
    receiver.handler.stop();
  }
}

// Every transport but the cluster (server processes meeting through Redis, not a link to a peer).
const linkTransports: Transport[] = Object.values(Transport).filter((t) => t !== Transport.Cluster);

function parseTransports(list: string): Transport[] {
  const known: string[] = linkTransports;
  const chosen = list.split(",").filter((name) => name.length > 0);
  const unknown = chosen.filter((name) => !known.includes(name));
  if (unknown.length > 0 || chosen.length === 0) {
    console.error(`unknown transport: ${unknown.join(", ")}\n${USAGE}`);
    process.exit(2);
  }
  return chosen;
}

const total = Number(option("bytes", `${64 * 1024 * 1024}`));
const size = Number(option("size", "4096"));
const transports = parseTransports(option("transports", linkTransports.join(",")));
if (!(Number.isInteger(total) && total > 0 && Number.isInteger(size) && size > 0 && size <= 65_507)) {
  console.error(`--bytes must be a positive integer, --size one from 1 to 65507\n${USAGE}`);
  process.exit(2);
}

console.log(`Sending ${(total / 1e6).toFixed(1)} MB per transport in ${size}-byte messages, over 127.0.0.1:\n`);
for (const transport of transports) {
  const counters = await measure(transport, total, size);
  const seconds = Math.max((counters.end - counters.start) / 1000, 1e-6);
  // A stream (tcp) does not keep message boundaries: count the messages sent instead.
  const messages = transportInfo(transport).packetBased ? counters.receivedMessages : counters.sentMessages;
  const lost = counters.lostBytes > 0 ? `   (${((counters.lostBytes / total) * 100).toFixed(1)}% lost)` : "";
  const rate = `${(messages / seconds).toFixed(0).padStart(10)} msg/s ${(counters.receivedBytes / seconds / 1e6).toFixed(1).padStart(9)} MB/s`;
  console.log(`${transport.padEnd(11)} ${rate}${lost}`);
}
