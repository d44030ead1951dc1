/**
 * The soak's long-lived traffic: one checked stream per connection. Every byte that comes back is
 * compared with what was sent, so a lost, duplicated, reordered or corrupted message is counted.
 * Each stream keeps a bounded window in flight and refills it as echoes return.
 */
import { type Endpoint, type NetworkController, SendStatus } from "message-io";

export interface StreamStats {
  /** Sends accepted, and messages (chunks, for tcp) that came back. */
  sent: number;
  echoed: number;
  sentBytes: number;
  echoedBytes: number;
  /** Messages or bytes that came back wrong (reliable transports only: must stay 0). */
  errors: string[];
}

export interface CheckedStream {
  readonly endpoint: Endpoint;
  readonly stats: StreamStats;
  /** Sends until the window is full (stops once `closing`). */
  pump(): void;
  /** An echo arrived for this stream. */
  received(data: Uint8Array): void;
  /** Whether everything sent has come back (or, over udp, had its chance). */
  readonly drained: boolean;
  closing: boolean;
}

/** framed-tcp and ws: message `n` is `[n as u32 LE][filler of a size derived from n]`, echoed in order. */
export class PacketStream implements CheckedStream {
  readonly stats: StreamStats = { sent: 0, echoed: 0, sentBytes: 0, echoedBytes: 0, errors: [] };
  closing = false;
  private next = 0;
  private expected = 0;

  constructor(
    private readonly network: NetworkController,
    readonly endpoint: Endpoint,
    private readonly window: number,
    /** Over udp a datagram may be lost: gaps are counted as loss, not as errors. */
    private readonly lossy = false,
  ) {}

  get drained(): boolean {
    return this.expected === this.next || this.lossy;
  }

  pump(): void {
    while (!this.closing && this.next - this.expected < this.window) {
      const message = packet(this.next);
      const status = this.network.send(this.endpoint, message);
      if (status === SendStatus.BufferFull) return; // backpressure: the next echo pumps again
      if (status !== SendStatus.Sent) {
        this.stats.errors.push(`send ${this.next}: ${status}`);
        return;
      }
      this.next += 1;
      this.stats.sent += 1;
      this.stats.sentBytes += message.length;
    }
  }

  received(data: Uint8Array): void {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const n = data.length >= 4 ? view.getUint32(0, true) : -1;
    const intact = n >= 0 && sameBytes(data, packet(n));
    if (!intact || (n !== this.expected && !this.lossy) || n < this.expected) {
      if (this.stats.errors.length < 10) this.stats.errors.push(`expected message ${this.expected}, got ${n}`);
    }
    this.expected = Math.max(this.expected, n + 1);
    this.stats.echoed += 1;
    this.stats.echoedBytes += data.length;
    this.pump();
  }
}

/** tcp: a byte stream whose byte `i` is a function of `i`; chunks may merge or split on the way back. */
export class ByteStream implements CheckedStream {
  readonly stats: StreamStats = { sent: 0, echoed: 0, sentBytes: 0, echoedBytes: 0, errors: [] };
  closing = false;
  private sentBytes = 0;
  private receivedBytes = 0;

  constructor(
    private readonly network: NetworkController,
    readonly endpoint: Endpoint,
    private readonly windowBytes: number,
    private readonly seed: number,
  ) {}

  get drained(): boolean {
    return this.receivedBytes === this.sentBytes;
  }

  pump(): void {
    while (!this.closing && this.sentBytes - this.receivedBytes < this.windowBytes) {
      const size = 1 + ((this.sentBytes * 7 + this.seed) % 4096);
      const chunk = new Uint8Array(size);
      for (let i = 0; i < size; i++) chunk[i] = streamByte(this.sentBytes + i, this.seed);
      const status = this.network.send(this.endpoint, chunk);
      if (status === SendStatus.BufferFull) return;
      if (status !== SendStatus.Sent) {
        this.stats.errors.push(`send at byte ${this.sentBytes}: ${status}`);
        return;
      }
      this.sentBytes += size;
      this.stats.sent += 1;
      this.stats.sentBytes += size;
    }
  }

  received(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== streamByte(this.receivedBytes + i, this.seed)) {
        if (this.stats.errors.length < 10) this.stats.errors.push(`byte ${this.receivedBytes + i} differs`);
        break;
      }
    }
    this.receivedBytes += data.length;
    this.stats.echoed += 1;
    this.stats.echoedBytes += data.length;
    this.pump();
  }
}

function streamByte(offset: number, seed: number): number {
  return (offset * 31 + seed + (offset >>> 8)) & 0xff;
}

/** Message `n`: its number, then a filler whose size (0 to 2 KiB) and bytes follow from `n`. */
export function packet(n: number): Uint8Array {
  const size = 4 + ((n * 2654435761) >>> 21);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, n, true);
  for (let i = 4; i < size; i++) out[i] = (n + i * 13) & 0xff;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
