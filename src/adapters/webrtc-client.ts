/**
 * The `webrtc` connector, for every platform: written against the standard WebSocket (signalling)
 * and the small `PeerConnectionLike` interface, which the browser's native `RTCPeerConnection` and
 * Node's wrapper of werift both satisfy (as `ws-client.ts` is for WebSocket). See
 * `webrtc-session.ts` for the signalling protocol.
 */
import type { Adapter, ConnectionSink, ResourceLimits } from "../adapter.js";
import { formatHostPort, parseHostPort } from "../address.js";
import { ErrorCode, NetError } from "../errors.js";
import type { WebRtcConnectOptions, WebRtcListenOptions } from "../options.js";
import { Transport, transportInfo } from "../transport.js";
import {
  CHANNEL_LABEL,
  type ChannelRequest,
  channelOptions,
  channelRequest,
  decodeSignal,
  encodeSignal,
  gatheringComplete,
  type IceServer,
  isLoopback,
  MAX_SIGNAL_SIZE,
  messageBytes,
  type PeerConnectionLike,
  type PeerFactory,
  usableRemoteSdp,
  WebRtcConnection,
} from "./webrtc-session.js";
import {
  closeCodeError,
  resolveWsAddress,
  type WebSocketFactory,
  type WebSocketLike,
  wsPlatformError,
} from "./ws-client.js";

/** `"host:port"` connects to `ws://host:port/`; `ws://` and `wss://` URLs are used as given. */
export function resolveWebRtcAddress(remote: string): { url: string; addr: string; host: string } {
  if (/^wss?:\/\//i.test(remote)) {
    const { url, addr } = resolveWsAddress(remote);
    return { url, addr, host: parseHostPort(addr).host };
  }
  const { host, port } = parseHostPort(remote);
  const addr = formatHostPort(host, port);
  return { url: `ws://${addr}/`, addr, host };
}

/** Validates `iceServers`: an array of `{ urls }` (default none). */
export function checkIceServers(value: unknown): IceServer[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((server) => typeof server === "object" && server !== null && "urls" in server)
  ) {
    throw new NetError(ErrorCode.InvalidArgument, "iceServers must be an array of { urls, username?, credential? }");
  }
  return value as IceServer[];
}

type Early = { control: boolean; bytes: Uint8Array };

class WebRtcClientConnection extends WebRtcConnection {
  private channelOpen = false;
  private answered = false;
  private listenerOpen = false;
  private isReady = false;
  /** Data and control bytes that arrived before `ready` (the two paths race), delivered after it. */
  private early: Early[] = [];
  private platformError: unknown;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: WebSocketLike,
    addr: string,
    pc: PeerConnectionLike,
    request: ChannelRequest,
    limits: ResourceLimits,
    sink: ConnectionSink,
    timeout: number | undefined,
  ) {
    const channel = pc.createDataChannel(CHANNEL_LABEL, channelOptions(request));
    const signal = { send: (bytes: Uint8Array) => socket.send(ownBytes(bytes)), close: () => closeSocket(socket) };
    super(addr, pc, channel, signal, limits, request.maxRetransmits === undefined);
    this.sink = sink;
    socket.binaryType = "arraybuffer";
    // Every handler stays attached to the end: `ws` throws an `error` event nobody listens to.
    socket.addEventListener("error", (event: { error?: unknown }) => {
      this.platformError ??= event?.error;
    });
    const offer = this.prepareOffer();
    offer.catch(() => {}); // reported once the socket is open (or never, when the connect fails first)
    socket.addEventListener("open", () => void this.offer(offer, request));
    socket.addEventListener("message", (event) => this.frame(event.data));
    socket.addEventListener("close", (event) => this.socketClosed(event.code, event.reason));
    channel.onopen = () => {
      this.channelOpen = true;
      this.readyWhenBothOpen();
    };
    if (timeout !== undefined) {
      this.timer = setTimeout(() => {
        this.end(new NetError(ErrorCode.Timeout, `no data channel to ${addr} within ${timeout} ms`));
      }, timeout);
    }
  }

  /** The offer with every candidate, gathered while the signalling socket opens. */
  private async prepareOffer(): Promise<string> {
    await this.pc.setLocalDescription();
    await gatheringComplete(this.pc);
    return this.pc.localDescription?.sdp ?? "";
  }

  private async offer(offer: Promise<string>, request: ChannelRequest): Promise<void> {
    try {
      const sdp = await offer;
      if (!this.isEnded) this.socket.send(ownBytes(encodeSignal({ type: "offer", sdp, ...request })));
    } catch (error) {
      this.end(
        new NetError(ErrorCode.ConnectionLost, `cannot make a WebRTC offer: ${String(error)}`, { cause: error }),
      );
    }
  }

  private frame(data: unknown): void {
    const bytes = messageBytes(data);
    if (this.isEnded || bytes === undefined) return;
    if (this.listenerOpen) {
      if (this.isReady) this.control(bytes);
      else this.keep({ control: true, bytes });
      return;
    }
    const message = decodeSignal(bytes);
    if (message?.type === "answer" && !this.answered) {
      this.answered = true;
      this.learnLimit(message.sdp);
      this.pc.setRemoteDescription({ type: "answer", sdp: usableRemoteSdp(message.sdp) }).catch((error) => {
        this.end(new NetError(ErrorCode.ProtocolError, `${this.addr} sent an answer we cannot use`, { cause: error }));
      });
    } else if (message?.type === "open" && this.answered) {
      this.listenerOpen = true;
      this.readyWhenBothOpen();
    } else {
      this.end(new NetError(ErrorCode.ProtocolError, `unexpected signalling message from ${this.addr}`));
    }
  }

  protected override received(data: unknown): void {
    if (this.isReady) super.received(data);
    else if (!this.isEnded) {
      const bytes = messageBytes(data);
      if (bytes !== undefined) this.keep({ control: false, bytes: bytes.slice() });
    }
  }

  private keep(early: Early): void {
    if (this.early.length < this.limits.maxQueuedMessages) this.early.push(early);
    else if (early.control) this.end(new NetError(ErrorCode.ProtocolError, `${this.addr} flooded the handshake`));
    // Data past it is dropped, as an unreliable channel may.
  }

  private readyWhenBothOpen(): void {
    if (!this.channelOpen || !this.listenerOpen || this.isReady || this.isEnded) return;
    this.isReady = true;
    this.clearTimer();
    this.sink?.ready();
    const early = this.early;
    this.early = [];
    for (const { control, bytes } of early) {
      if (control) this.control(bytes);
      else super.received(bytes);
    }
  }

  private socketClosed(code: number, reason: string): void {
    if (this.isReady) {
      this.signalClosed(closeCodeError(code, reason, this.addr));
      return;
    }
    // Before the channel opened: the standard API tells nothing of why; Node's `ws` passes its error.
    const cause = this.platformError;
    const error =
      cause !== undefined
        ? wsPlatformError(cause)
        : (closeCodeError(code, reason, this.addr) ??
          new NetError(ErrorCode.ConnectionLost, `${this.addr} closed the signalling before the channel opened`));
    this.end(error);
  }

  override end(error: NetError | undefined): void {
    this.clearTimer();
    this.early = [];
    super.end(error);
  }

  override close(): void {
    this.clearTimer();
    super.close();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A WebSocket sends views of an `ArrayBuffer` (browsers refuse a `SharedArrayBuffer`'s): copy any other. */
function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function closeSocket(socket: WebSocketLike): void {
  try {
    socket.close(1000);
  } catch {
    // Already closed.
  }
}

/**
 * The `webrtc` connector over `createSignal` (a standard WebSocket) and `createPeer`. It has no
 * `listen`: Node adds its listener (platform/node/webrtc-server.ts).
 */
export function webRtcClientAdapter(
  createSignal: WebSocketFactory,
  createPeer: PeerFactory,
): Adapter<WebRtcConnectOptions, WebRtcListenOptions> {
  return {
    transport: Transport.WebRtc,
    info: transportInfo(Transport.WebRtc),
    connect({ remote, options, limits, sink }) {
      const { url, addr, host } = resolveWebRtcAddress(remote);
      const timeout = options.timeout;
      if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0)) {
        throw new NetError(ErrorCode.InvalidArgument, `timeout must be a number of ms >= 0, not ${String(timeout)}`);
      }
      const request = channelRequest(options.ordered, options.maxRetransmits);
      const iceServers = checkIceServers(options.iceServers);
      const signalLimits = { ...limits, maxMessageSize: MAX_SIGNAL_SIZE };
      const signalOptions = { headers: options.headers, tls: options.tls };
      let pc: PeerConnectionLike;
      try {
        const hostAddress = isLoopback(host) ? (host === "localhost" ? "127.0.0.1" : host) : undefined;
        pc = createPeer({ iceServers, hostAddress, maxMessageSize: limits.maxMessageSize });
      } catch (error) {
        throw NetError.from(error, ErrorCode.UnsupportedTransport);
      }
      let socket: WebSocketLike;
      try {
        socket = createSignal(url, signalOptions, signalLimits);
      } catch (error) {
        void Promise.resolve(pc.close()).catch(() => {});
        throw NetError.from(error, ErrorCode.InvalidAddress);
      }
      return new WebRtcClientConnection(socket, addr, pc, request, limits, sink, timeout);
    },
  };
}
