/**
 * Inbound backpressure. Without it a peer that sends faster than the listener consumes grows the
 * node's queue without bound, and cheaply: a stream of empty framed-tcp messages costs the peer one
 * byte each and the node an event object each. So each connection counts its messages waiting in
 * the queue; past `maxQueuedMessages` or `maxQueuedBytes` the adapter stops reading from the peer
 * (TCP flow control then holds the peer back), and reading resumes once the listener has taken half.
 * A lossy transport (udp) drops what does not fit instead: it has no flow control to lean on.
 */
import type { ResourceLimits } from "./adapter.js";

export class InboundQueue {
  private messages = 0;
  private bytes = 0;
  /** Whether the owner was asked to pause reading and not yet to resume. */
  paused = false;

  constructor(private readonly limits: ResourceLimits) {}

  get full(): boolean {
    return this.messages >= this.limits.maxQueuedMessages || this.bytes >= this.limits.maxQueuedBytes;
  }

  /** A message of `bytes` bytes joins the queue. */
  add(bytes: number): void {
    this.messages += 1;
    this.bytes += bytes;
  }

  /** A message left the queue. Returns whether a paused reader may now resume. */
  remove(bytes: number): boolean {
    this.messages -= 1;
    this.bytes -= bytes;
    return (
      this.paused && this.messages <= this.limits.maxQueuedMessages / 2 && this.bytes <= this.limits.maxQueuedBytes / 2
    );
  }
}
