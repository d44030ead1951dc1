/**
 * The `webrtc` listener (LAYERS.md section 7): a `ws` listener (the same code as `Transport.Ws`:
 * path, origins, an attached `server`, the upgrade deadline) carries the signalling; each socket
 * gets at most one offer, answered with host candidates on the listen address only, and becomes an
 * `accepted` connection once its data channel is open. The socket then stays open as the
 * connection's control channel: losing it ends the connection.
 */

import { checkIceServers } from "../../src/adapters/webrtc-client.js";
import {
  CHANNEL_LABEL,
  channelOptions,
  decodeSignal,
  encodeSignal,
  gatheringComplete,
  isIpLiteral,
  MAX_SIGNAL_SIZE,
  type PeerConnectionLike,
  type PeerFactory,
  type SignalMessage,
  usableRemoteSdp,
  WebRtcConnection,
} from "../../src/adapters/webrtc-session.js";
import type { Connection, ConnectionSink, Listening, ListenRequest, WebRtcListenOptions } from "../../src/index.js";
import { ErrorCode, NetError, parseHostPort } from "../../src/index.js";
import { listenWs } from "./ws-server.js";

/** From the signalling upgrade until the data channel is open. */
export const DEFAULT_WEBRTC_HANDSHAKE_TIMEOUT = 10_000;

/**
 * Handshakes in progress at once, past which a signalling socket is closed at its upgrade: each
 * holds a peer connection (a UDP socket, DTLS keys), so a flood of offers must not grow without
 * bound. Legitimate handshakes take a few hundred ms on loopback.
 */
export const MAX_WEBRTC_HANDSHAKES = 128;

/** The host to offer ICE candidates on: `undefined` (every interface) for an unspecified address. */
function iceHost(host: string): string | undefined {
  if (host === "0.0.0.0" || host === "::" || host === "") return undefined;
  if (host === "localhost") return "127.0.0.1";
  if (!isIpLiteral(host)) {
    throw new NetError(ErrorCode.InvalidAddress, `a webrtc listener needs an IP address to offer, not "${host}"`);
  }
  return host;
}

interface Context {
  readonly createPeer: PeerFactory;
  readonly iceServers: ReturnType<typeof checkIceServers>;
  readonly hostAddress: string | undefined;
  readonly request: ListenRequest<WebRtcListenOptions>;
  readonly handshakeTimeout: number;
  readonly handshakes: Set<Handshake>;
  readonly open: Set<WebRtcConnection>;
}

/** One signalling socket, from its upgrade until its data channel is open (then its connection's). */
class Handshake {
  private pc: PeerConnectionLike | undefined;
  private connection: WebRtcConnection | undefined;
  private offered = false;
  private isOpen = false;
  private done = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly signal: Connection,
    private readonly context: Context,
  ) {
    const timeout = context.handshakeTimeout;
    if (timeout > 0) {
      this.timer = setTimeout(() => this.fail(), timeout);
      this.timer.unref();
    }
  }

  readonly sink: ConnectionSink = {
    ready: () => {},
    data: (bytes) => this.frame(bytes),
    closed: (error) => {
      if (this.isOpen) this.connection?.signalClosed(error);
      else this.fail();
    },
  };

  private frame(bytes: Uint8Array): void {
    if (this.isOpen) {
      this.connection?.control(bytes);
      return;
    }
    const message = this.offered ? undefined : decodeSignal(bytes);
    // Anything but one offer before the channel opens (garbage, a second offer) ends the attempt.
    if (message?.type !== "offer") {
      this.fail();
      return;
    }
    this.offered = true;
    this.answer(message).catch(() => this.fail());
  }

  private async answer(offer: Extract<SignalMessage, { type: "offer" }>): Promise<void> {
    const { createPeer, iceServers, hostAddress, request } = this.context;
    const pc = createPeer({ iceServers, hostAddress, maxMessageSize: request.limits.maxMessageSize });
    this.pc = pc;
    if (this.done) return void pc.close();
    await pc.setRemoteDescription({ type: "offer", sdp: usableRemoteSdp(offer.sdp) });
    if (this.done) return;
    // The listener follows what the connector asked: the same negotiated channel on both sides.
    const channel = pc.createDataChannel(CHANNEL_LABEL, channelOptions(offer));
    const signal = this.signal;
    const reliable = offer.maxRetransmits === undefined;
    const connection = new WebRtcConnection(signal.addr, pc, channel, signal, request.limits, reliable);
    this.connection = connection;
    connection.learnLimit(offer.sdp);
    connection.onEnd = () => {
      this.context.open.delete(connection);
      this.fail();
    };
    channel.onopen = () => this.opened();
    await pc.setLocalDescription();
    await gatheringComplete(pc);
    if (this.done) return;
    signal.send(encodeSignal({ type: "answer", sdp: pc.localDescription?.sdp ?? "" }));
  }

  private opened(): void {
    const connection = this.connection;
    if (this.done || connection === undefined) return;
    this.isOpen = true;
    this.finish();
    // Before `accepted`: every frame after it is control bytes, the hello the core may send at once included.
    this.signal.send(encodeSignal({ type: "open" }));
    this.context.open.add(connection);
    const sink = this.context.request.sink.accepted(connection);
    if (sink !== undefined) connection.attach(sink);
  }

  /** The attempt ends without a connection (or the connection ended: nothing more to do). */
  fail(): void {
    if (this.done) return;
    this.finish();
    if (this.connection !== undefined) this.connection.end(undefined);
    else {
      this.signal.close();
      if (this.pc !== undefined) void Promise.resolve(this.pc.close()).catch(() => {});
    }
  }

  private finish(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.context.handshakes.delete(this);
  }
}

/** Starts a `webrtc` listener whose peer connections come from `createPeer` (see the file's comment). */
export async function listenWebRtc(
  request: ListenRequest<WebRtcListenOptions>,
  createPeer: PeerFactory,
): Promise<Listening> {
  const { addr, options, limits } = request;
  const iceServers = checkIceServers(options.iceServers);
  // Checked with every other option by the core (src/option-checks.ts).
  const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_WEBRTC_HANDSHAKE_TIMEOUT;
  const hostAddress = iceHost(parseHostPort(addr).host);
  const maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
  const context: Context = {
    createPeer,
    iceServers,
    hostAddress,
    request,
    handshakeTimeout,
    handshakes: new Set(),
    open: new Set(),
  };
  const { path, origins, server, tls } = options;
  const signalling = await listenWs({
    addr,
    options: { path, origins, server, tls, handshakeTimeout },
    limits: { ...limits, maxMessageSize: MAX_SIGNAL_SIZE },
    sink: {
      accepted(signal) {
        const busy = context.handshakes.size + context.open.size;
        if (context.handshakes.size >= MAX_WEBRTC_HANDSHAKES || busy >= maxConnections) {
          signal.close();
          return undefined;
        }
        const handshake = new Handshake(signal, context);
        context.handshakes.add(handshake);
        return handshake.sink;
      },
      datagram() {},
    },
  });
  return {
    addr: signalling.addr,
    close() {
      signalling.close();
      // Connections stay open; handshakes not yet accepted end with the listener.
      for (const handshake of [...context.handshakes]) handshake.fail();
    },
  };
}
