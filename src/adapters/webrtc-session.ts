/**
 * What both ends of a `webrtc` connection share (LAYERS.md section 7): the small interface over
 * `RTCPeerConnection`/`RTCDataChannel` that the DOM's classes and Node's wrapper of werift both
 * satisfy, the signalling protocol, and the connection once its data channel is open.
 *
 * Signalling, over one WebSocket that stays open for the connection's life:
 * 1. the connector sends `{"type":"offer","sdp":...,"ordered":b,"maxRetransmits":n|null}`, its
 *    whole offer with every ICE candidate (no trickle: so no signalling message is ever in flight
 *    when the socket switches to control bytes);
 * 2. the listener answers `{"type":"answer","sdp":...}`, with every candidate of its own;
 * 3. once its data channel is open, the listener sends `{"type":"open"}`.
 * Every frame after `open` (both ways) is control bytes (`Connection.sendControl`). The channel is
 * negotiated (id 0 on both sides, created with what the connector asked), since werift announces
 * an unordered in-band channel to its peer as ordered.
 */
import type { Connection, ConnectionSink, ResourceLimits } from "../adapter.js";
import { ErrorCode, NetError } from "../errors.js";
import { SendStatus } from "../events.js";

/** The part of `RTCDataChannel` a connection uses. */
export interface DataChannelLike {
  readonly bufferedAmount: number;
  /** The DOM's: set to `"arraybuffer"` (Firefox's default is `"blob"`, which arrives asynchronously). */
  binaryType?: string;
  onopen: ((event?: any) => void) | null;
  onclose: ((event?: any) => void) | null;
  onerror: ((event?: any) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Takes the bytes as they are at the call (the DOM copies; Node's wrapper copies). */
  send(data: Uint8Array): void;
  close(): void;
}

export interface DataChannelOptions {
  ordered: boolean;
  maxRetransmits?: number;
  negotiated: true;
  id: number;
}

export interface SessionDescriptionLike {
  readonly type: string;
  readonly sdp: string;
}

/** The part of `RTCPeerConnection` a connection uses. */
export interface PeerConnectionLike {
  readonly localDescription: SessionDescriptionLike | null;
  readonly iceGatheringState: string;
  readonly connectionState: string;
  onicegatheringstatechange: ((event?: any) => void) | null;
  onconnectionstatechange: ((event?: any) => void) | null;
  createDataChannel(label: string, options: DataChannelOptions): DataChannelLike;
  /** Without an argument: creates the offer or the answer the signalling state calls for. */
  setLocalDescription(): Promise<unknown>;
  setRemoteDescription(description: { type: "offer" | "answer"; sdp: string }): Promise<unknown>;
  close(): unknown;
}

export type IceServer = { urls: string | string[]; username?: string; credential?: string };

/** What a platform needs to make a peer connection. */
export interface PeerConfig {
  iceServers: IceServer[];
  /**
   * The one address to gather host candidates on (a listener's address; a connector's when it
   * connects to a loopback address), or `undefined` for the platform's own choice.
   */
  hostAddress: string | undefined;
  /** The largest message either side sends, announced in the SDP where the platform lets us. */
  maxMessageSize: number;
}

export type PeerFactory = (config: PeerConfig) => PeerConnectionLike;

/** The channel's id on both sides and its label. */
export const CHANNEL_ID = 0;
export const CHANNEL_LABEL = "message-io";
/** The largest signalling message (an SDP with its candidates is 1-4 KiB). */
export const MAX_SIGNAL_SIZE = 64 * 1024;

export interface ChannelRequest {
  ordered: boolean;
  /** `undefined`: reliable. */
  maxRetransmits: number | undefined;
}

export type SignalMessage =
  | ({ type: "offer"; sdp: string } & ChannelRequest)
  | { type: "answer"; sdp: string }
  | { type: "open" };

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeSignal(message: SignalMessage): Uint8Array {
  const wire =
    message.type === "offer" ? { ...message, maxRetransmits: message.maxRetransmits ?? null } : (message as object);
  return utf8.encode(JSON.stringify(wire));
}

/** Parses a signalling frame; `undefined` for anything that is not exactly one of ours. */
export function decodeSignal(bytes: Uint8Array): SignalMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.type === "open") return { type: "open" };
  if (typeof message.sdp !== "string") return undefined;
  if (message.type === "answer") return { type: "answer", sdp: message.sdp };
  if (message.type !== "offer" || typeof message.ordered !== "boolean") return undefined;
  const retransmits = message.maxRetransmits;
  if (retransmits === null)
    return { type: "offer", sdp: message.sdp, ordered: message.ordered, maxRetransmits: undefined };
  if (!Number.isInteger(retransmits) || (retransmits as number) < 0 || (retransmits as number) > 65535)
    return undefined;
  return { type: "offer", sdp: message.sdp, ordered: message.ordered, maxRetransmits: retransmits as number };
}

/** The channel a connector's options ask for: unordered without retransmits unless told otherwise. */
export function channelRequest(ordered: unknown, maxRetransmits: unknown): ChannelRequest {
  if (ordered !== undefined && typeof ordered !== "boolean") {
    throw new NetError(ErrorCode.InvalidArgument, `ordered must be a boolean, not ${String(ordered)}`);
  }
  if (maxRetransmits !== undefined && !(Number.isInteger(maxRetransmits) && (maxRetransmits as number) >= 0)) {
    throw new NetError(
      ErrorCode.InvalidArgument,
      `maxRetransmits must be an integer >= 0, not ${String(maxRetransmits)}`,
    );
  }
  const retransmits = maxRetransmits as number | undefined;
  // `ordered: true` alone is reliable and ordered; otherwise nothing is resent unless asked.
  if (ordered === true) return { ordered: true, maxRetransmits: retransmits };
  return { ordered: false, maxRetransmits: retransmits ?? 0 };
}

export function channelOptions(request: ChannelRequest): DataChannelOptions {
  const options: DataChannelOptions = { ordered: request.ordered, negotiated: true, id: CHANNEL_ID };
  if (request.maxRetransmits !== undefined) options.maxRetransmits = request.maxRetransmits;
  return options;
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV6 = /^[0-9a-fA-F:.]+$/;

/** Whether `host` is an IP literal (so using it needs no name lookup). */
export function isIpLiteral(host: string): boolean {
  return IPV4.test(host) || (host.includes(":") && IPV6.test(host));
}

/** Whether `host` is this machine's loopback (then ICE stays on it). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The most candidates taken from the other side (a browser offers a handful). */
export const MAX_REMOTE_CANDIDATES = 16;

/**
 * The other side's SDP as it may be used: without candidates whose address is a name (an mDNS
 * `.local` name, a host name: using one would mean a name lookup or a multicast query, and no
 * third party is ever contacted), and with at most `MAX_REMOTE_CANDIDATES` candidates, since each
 * is sent connectivity checks to (a hostile offer must not direct them at many addresses).
 */
export function usableRemoteSdp(sdp: string): string {
  let candidates = 0;
  return sdp
    .split(/\r?\n/)
    .filter((line) => {
      if (!line.startsWith("a=candidate:")) return true;
      const address = line.split(" ")[4];
      return address !== undefined && isIpLiteral(address) && ++candidates <= MAX_REMOTE_CANDIDATES;
    })
    .join("\r\n");
}

/** Resolves once the peer connection has gathered every candidate it will. */
export function gatheringComplete(pc: PeerConnectionLike): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === "complete") resolve();
    };
  });
}

/** Sends and closes the signalling socket (a WebSocket on either side). */
export interface SignalSocket {
  send(bytes: Uint8Array): void;
  /** A normal close (1000). */
  close(): void;
}

const textEncoder = new TextEncoder();

/** A data channel message (an ArrayBuffer, a Node Buffer, or text) as bytes; `undefined` for anything else. */
export function messageBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === "string") return textEncoder.encode(data);
  return undefined;
}

/**
 * One `webrtc` connection, from either side: data on the channel, control bytes on the signalling
 * socket. A side's handshake calls `opened` once the channel is open; before that, `end` fails the
 * attempt. The first end (the channel's close, ICE failure, the signalling socket's close, `close`)
 * reports once and releases everything.
 */
export class WebRtcConnection implements Connection {
  protected sink: ConnectionSink | undefined;
  private ended = false;
  /** Inbound backpressure on a lossy channel: the node's queue is full, arrivals are dropped. */
  private dropping = false;
  /** The other side's announced `a=max-message-size`: `send` takes no more than it and ours allow. */
  maxMessageSize: number | undefined;
  /** Called once when the connection ends, however it ends (a listener forgets it). */
  onEnd: (() => void) | undefined;

  constructor(
    readonly addr: string,
    readonly pc: PeerConnectionLike,
    readonly channel: DataChannelLike,
    private readonly signal: SignalSocket,
    protected readonly limits: ResourceLimits,
    /** The channel resends until delivered (`maxRetransmits` unset): then nothing may be dropped. */
    private readonly reliable: boolean,
  ) {
    channel.binaryType = "arraybuffer";
    channel.onmessage = (event) => this.received(event.data);
    channel.onclose = () => this.end(undefined);
    channel.onerror = () => {}; // its close follows and reports
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") {
        this.end(new NetError(ErrorCode.ConnectionLost, `ICE to ${addr} failed`));
      }
    };
  }

  /** Reads the limit the other side announced in its description (RFC 8841; 0 is unbounded). */
  learnLimit(remoteSdp: string): void {
    const announced = Number(/^a=max-message-size:(\d+)/m.exec(remoteSdp)?.[1] ?? Number.NaN);
    if (announced > 0) this.maxMessageSize = announced;
  }

  /** The core's sink: set by the side's handshake (the core listens from then on). */
  attach(sink: ConnectionSink): void {
    if (!this.ended) this.sink = sink;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** A data channel message. */
  protected received(data: unknown): void {
    const sink = this.sink;
    if (sink === undefined || this.dropping) return;
    const bytes = messageBytes(data);
    if (bytes === undefined) {
      this.end(new NetError(ErrorCode.ProtocolError, `unexpected data channel message from ${this.addr}`));
    } else if (bytes.length > this.limits.maxMessageSize) {
      const limit = this.limits.maxMessageSize;
      this.end(new NetError(ErrorCode.MessageTooLarge, `${this.addr} sent ${bytes.length} bytes, over the ${limit}`));
    } else {
      sink.data(bytes);
    }
  }

  /** A control frame from the signalling socket, once the channel is open. */
  control(bytes: Uint8Array): void {
    this.sink?.control?.(bytes);
  }

  /** The signalling socket closed: the connection ends with it (`error` unless it was a clean close). */
  signalClosed(error: NetError | undefined): void {
    this.end(error);
  }

  send(data: Uint8Array): SendStatus {
    try {
      this.channel.send(data);
    } catch {
      // Only a channel that is closing refuses: its close event reports the end.
    }
    return SendStatus.Sent;
  }

  pendingBytes(): number {
    return this.channel.bufferedAmount;
  }

  /**
   * A data channel cannot be paused. A lossy one drops what arrives while the node's queue is full,
   * as udp does; a reliable one keeps delivering (as a browser's WebSocket, which cannot pause either).
   */
  pauseReading(): void {
    if (!this.reliable) this.dropping = true;
  }

  resumeReading(): void {
    this.dropping = false;
  }

  sendControl(data: Uint8Array): void {
    if (!this.ended) this.signal.send(data);
  }

  close(): void {
    this.sink = undefined;
    this.release();
  }

  /** Ends the connection once: reports `error` (none for a clean end) to the core if it listens. */
  end(error: NetError | undefined): void {
    const sink = this.sink;
    this.sink = undefined;
    if (this.ended) return;
    this.release();
    sink?.closed(error);
  }

  private release(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
    // The signalling socket first: its clean close is what the other side hears at once.
    this.signal.close();
    this.channel.onmessage = null;
    this.channel.onclose = null;
    this.pc.onconnectionstatechange = null;
    try {
      this.channel.close();
    } catch {
      // Already closed.
    }
    try {
      Promise.resolve(this.pc.close()).catch(() => {});
    } catch {
      // Already closed.
    }
  }
}
