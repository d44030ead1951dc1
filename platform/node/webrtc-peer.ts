/**
 * werift (WebRTC in pure TypeScript) behind the `PeerConnectionLike` interface the `webrtc`
 * adapter is written against. Its classes differ from the DOM's in small ways (send takes a
 * Buffer, events are its own), and it needs two corrections to contact no one but the peer:
 * - with no STUN server given, its ICE falls back to Google's (a name lookup and a request to a
 *   third party): that fallback is switched off on each ICE transport before it gathers;
 * - `hostAddress` gathers exactly one host candidate, on that address (a listener's address, or
 *   loopback when connecting to loopback), its socket bound to it.
 */
import { isIPv6 } from "node:net";
import { type RTCDataChannel, RTCPeerConnection } from "werift";
import type {
  DataChannelLike,
  DataChannelOptions,
  PeerConfig,
  PeerConnectionLike,
  SessionDescriptionLike,
} from "../../src/adapters/webrtc-session.js";
import { Fifo } from "../../src/fifo.js";

/** The payload protocol id of an empty binary message (RFC 8831 section 8). */
const WEBRTC_BINARY_EMPTY = 57;

/**
 * Messages handed to werift at a time. Each message werift holds waits on its send path for the
 * whole outbound queue to drain, and every wait is woken (and unsubscribed, with a copy of the list)
 * each time it transmits: the cost grows with the square of the messages it holds (of 2000 small
 * messages sent in one turn, 256 had arrived after 16 s). The rest wait here, in order, until
 * werift has passed its share to SCTP.
 */
const MAX_MESSAGES_IN_WERIFT = 64;

interface WeriftSctp {
  dataChannelQueue: [RTCDataChannel, number, Buffer][];
  dataChannelFlush(): unknown;
}

class WeriftChannel implements DataChannelLike {
  onopen: ((event?: any) => void) | null = null;
  onclose: ((event?: any) => void) | null = null;
  onerror: ((event?: any) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  /** Messages (copies) waiting for werift to take them, and their bytes. */
  private waiting = new Fifo<Buffer>();
  private waitingBytes = 0;
  /** Messages handed to werift since its buffer was last empty. */
  private handed = 0;

  constructor(private readonly channel: RTCDataChannel) {
    // Fires when werift's buffered amount falls to 0: everything handed to it went to SCTP.
    channel.bufferedAmountLowThreshold = 0;
    channel.bufferedAmountLow.subscribe(() => {
      this.handed = 0;
      this.handOver();
    });
    channel.stateChanged.subscribe((state) => {
      if (state === "open") this.onopen?.();
      else if (state === "closed") this.onclose?.();
    });
    channel.error.subscribe((error) => this.onerror?.(error));
    channel.onMessage.subscribe((data) => this.onmessage?.({ data }));
  }

  get bufferedAmount(): number {
    return this.channel.bufferedAmount + this.waitingBytes;
  }

  send(data: Uint8Array): void {
    // A copy: werift keeps a reference to what it queues, and the caller may reuse `data`.
    const copy = Buffer.from(data);
    this.waiting.push(copy);
    this.waitingBytes += copy.length;
    this.handOver();
  }

  /** Hands werift the waiting messages, in order, up to its share. */
  private handOver(): void {
    if (this.channel.bufferedAmount === 0) this.handed = 0;
    while (this.handed < MAX_MESSAGES_IN_WERIFT && this.waiting.length > 0) {
      // A closed channel sends nothing more: what waits is let go.
      if (this.channel.readyState === "closing" || this.channel.readyState === "closed") {
        this.waiting = new Fifo<Buffer>();
        this.waitingBytes = 0;
        return;
      }
      const message = this.waiting.shift() as Buffer;
      this.waitingBytes -= message.length;
      this.handed++;
      if (message.length === 0) this.sendEmpty();
      else {
        try {
          this.channel.send(message);
        } catch {
          // werift refuses only what the connection already refused (a size over the limit): lost.
        }
      }
    }
  }

  /**
   * werift sends an empty message as an SCTP chunk without data, which no peer receives (SCTP
   * needs a byte). RFC 8831 sends it as one byte with the "empty binary" payload id, as browsers
   * do and as werift itself reads it: queued here the way werift queues every message.
   */
  private sendEmpty(): void {
    const sctp = (this.channel as unknown as { sctp: Partial<WeriftSctp> }).sctp;
    if (!Array.isArray(sctp.dataChannelQueue) || typeof sctp.dataChannelFlush !== "function") {
      throw new Error("this werift version cannot send an empty message");
    }
    this.channel.addBufferedAmount(1);
    sctp.dataChannelQueue.push([this.channel, WEBRTC_BINARY_EMPTY, Buffer.from([0])]);
    void Promise.resolve(sctp.dataChannelFlush()).catch(() => {});
  }

  close(): void {
    this.channel.close();
  }
}

class WeriftPeer implements PeerConnectionLike {
  onicegatheringstatechange: ((event?: any) => void) | null = null;
  onconnectionstatechange: ((event?: any) => void) | null = null;

  constructor(private readonly pc: RTCPeerConnection) {
    pc.iceGatheringStateChange.subscribe(() => this.onicegatheringstatechange?.());
    pc.connectionStateChange.subscribe(() => this.onconnectionstatechange?.());
  }

  get localDescription(): SessionDescriptionLike | null {
    const description = this.pc.localDescription;
    return description === null ? null : { type: description.type, sdp: description.sdp };
  }

  get iceGatheringState(): string {
    return this.pc.iceGatheringState;
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  createDataChannel(label: string, options: DataChannelOptions): DataChannelLike {
    return new WeriftChannel(this.pc.createDataChannel(label, options));
  }

  setLocalDescription(): Promise<unknown> {
    return this.pc.setLocalDescription();
  }

  setRemoteDescription(description: { type: "offer" | "answer"; sdp: string }): Promise<unknown> {
    return this.pc.setRemoteDescription(description);
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}

/** werift's internals the STUN correction touches (checked at run time: a werift update must not silently undo it). */
interface WeriftInternals {
  gatherCandidates?: (...args: unknown[]) => Promise<unknown>;
  iceTransports: { connection: { stunServer?: unknown } }[];
}

/** Switches off werift's built-in STUN server: each ICE transport forgets it just before gathering. */
function withoutDefaultStun(pc: RTCPeerConnection): void {
  const internals = pc as unknown as WeriftInternals;
  const gather = internals.gatherCandidates;
  if (typeof gather !== "function") {
    throw new Error("this werift version has no gatherCandidates: its built-in STUN server cannot be switched off");
  }
  internals.gatherCandidates = (...args: unknown[]) => {
    for (const transport of internals.iceTransports) {
      if (!("stunServer" in transport.connection)) throw new Error("werift's ICE connection has no stunServer");
      transport.connection.stunServer = undefined;
    }
    return gather.apply(pc, args);
  };
}

const hasStun = (config: PeerConfig) =>
  config.iceServers.some((server) => [server.urls].flat().some((url) => /^stuns?:/i.test(url)));

/** A werift peer connection for `config` (see the file's comment). */
export function createWeriftPeer(config: PeerConfig): PeerConnectionLike {
  const { hostAddress } = config;
  const pc = new RTCPeerConnection({
    iceServers: config.iceServers,
    maxMessageSize: config.maxMessageSize,
    bundlePolicy: "max-bundle",
    ...(hostAddress === undefined
      ? {}
      : {
          // No address of the machine's interfaces: only `hostAddress`, its socket bound to it.
          iceUseIpv4: false,
          iceUseIpv6: false,
          iceAdditionalHostAddresses: [hostAddress],
          iceInterfaceAddresses: isIPv6(hostAddress) ? { udp6: hostAddress } : { udp4: hostAddress },
        }),
  });
  if (!hasStun(config)) withoutDefaultStun(pc);
  return new WeriftPeer(pc);
}
