/**
 * One connection of a node with `identity`: the byte adapter's connection wrapped so that the
 * handshake runs first (each side sends HELLO, each decides with `accept` and answers ACCEPT or
 * REJECT), and only then does the core hear of it: `ready(peer)` for a connector, `accepted(..., peer)`
 * for an acceptor. Afterwards it tags user messages, answers and sends pings, and ends a peer that
 * breaks the protocol or goes silent.
 */
import type { Connection, ConnectionSink, ResourceLimits } from "../../adapter.js";
import { ErrorCode, NetError } from "../../errors.js";
import { type Peer, SendStatus } from "../../events.js";
import { runAccept } from "./accept.js";
import { MAX_PINGS_PER_SECOND, PingBudget, Pinger } from "./pinger.js";
import { type IdentitySettings, messageOf } from "./settings.js";
import {
  ACCEPT_FRAME,
  CloseCode,
  decodeHello,
  decodePing,
  decodeReason,
  encodeClose,
  encodeData,
  encodePing,
  encodeReject,
  protocolError,
  Tag,
} from "./wire.js";

/** User messages that may arrive on the data path before the side channel's ACCEPT: at most this many. */
const MAX_HELD_MESSAGES = 64;
const MAX_HELD_BYTES = 1024 * 1024;

type Phase = "connecting" | "handshaking" | "open" | "ended";

/** The error a CLOSE frame's code ends the connection with. */
const closeCodes: Record<number, string> = {
  [CloseCode.Replaced]: ErrorCode.Replaced,
  [CloseCode.Timeout]: ErrorCode.Timeout,
};

/** What an acceptor reports to: its listener's bookkeeping (see adapter.ts). */
export interface AcceptorHost {
  /** The handshake is done: returns the core's sink, or `undefined` when the core refused it. */
  completed(connection: IdentityConnection, peer: Peer<unknown>): ConnectionSink | undefined;
  /** The connection ended, in any phase. */
  ended(connection: IdentityConnection): void;
}

export class IdentityConnection implements Connection {
  rtt: number | undefined;
  lastPingAt: number | undefined;
  peer: Peer<unknown> | undefined;
  /** The byte adapter's connection; set once its `connect` returned (or at once for an acceptor). */
  private inner: Connection | undefined;
  private phase: Phase;
  /** The core's sink: given for a connector, returned by `accepted` for an acceptor. */
  private sink: ConnectionSink | undefined;
  private localAccepted = false;
  private remoteAccepted = false;
  private timer: unknown;
  private pinger: Pinger | undefined;
  private readonly pings: PingBudget;
  private held: Uint8Array[] | undefined;
  private heldBytes = 0;
  private innerClosed = false;
  private helloSent = false;
  paused = false;
  /** The core's sink for the byte adapter: every report of the socket comes through here. */
  readonly innerSink: ConnectionSink;

  constructor(
    private readonly settings: IdentitySettings,
    private readonly limits: ResourceLimits,
    sink: ConnectionSink | undefined,
    private readonly acceptor: AcceptorHost | undefined,
  ) {
    this.sink = sink;
    this.phase = acceptor === undefined ? "connecting" : "handshaking";
    this.pings = new PingBudget(settings.clock);
    this.innerSink = {
      ready: () => this.guard(() => this.innerReady()),
      data: (bytes) => this.guard(() => this.innerData(bytes)),
      closed: (error) => this.guard(() => this.innerEnded(error)),
      control: (bytes) => this.guard(() => this.onControl(bytes)),
    };
  }

  /** Binds the byte adapter's connection; an acceptor starts its handshake at once. */
  attach(inner: Connection): void {
    this.inner = inner;
    if (this.acceptor !== undefined) this.startHandshake();
  }

  get addr(): string {
    return (this.inner as Connection).addr;
  }

  get maxMessageSize(): number | undefined {
    const inner = (this.inner as Connection).maxMessageSize;
    return inner === undefined || !this.tagged ? inner : inner - 1;
  }

  /** Without a side channel, user messages share the data path with control frames, behind a tag byte. */
  private get tagged(): boolean {
    return this.inner?.sendControl === undefined;
  }

  send(data: Uint8Array): SendStatus {
    const inner = this.inner as Connection;
    if (this.phase !== "open") return SendStatus.ResourceNotAvailable;
    return inner.sendControl === undefined ? inner.send(encodeData(data)) : inner.send(data);
  }

  pendingBytes(): number {
    return this.inner?.pendingBytes() ?? 0;
  }

  /** The core closes it (`remove`, `stop`, a refused `accepted`): silently. */
  close(): void {
    if (this.phase === "ended") return;
    this.finish();
    this.closeInner();
  }

  pauseReading(): void {
    this.paused = true;
    this.inner?.pauseReading?.();
  }

  resumeReading(): void {
    this.paused = false;
    this.inner?.resumeReading?.();
  }

  /** A newer connection of the same peer id completed on this listener: this one ends, and its peer is told. */
  replace(): void {
    if (this.phase === "ended") return;
    const id = this.peer?.id ?? "";
    this.sendFrame(encodeClose(CloseCode.Replaced, `a newer connection of "${id}" replaced this one`));
    this.fail(new NetError(ErrorCode.Replaced, `a newer connection of peer "${id}" replaced this one`));
  }

  private guard(report: () => void): void {
    // Rule 3 says no sink call inside connect(); should one come, it waits until `attach`.
    if (this.inner === undefined) queueMicrotask(() => this.guard(report));
    else if (this.phase !== "ended") report();
  }

  private innerReady(): void {
    if (this.phase === "connecting") this.startHandshake();
  }

  private startHandshake(): void {
    this.phase = "handshaking";
    const clock = this.settings.clock;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      const why = `no handshake within ${this.settings.timeout} ms`;
      // An acceptor ends silently, but tells the connector why, which would otherwise see a mere close.
      if (this.acceptor !== undefined) this.sendFrame(encodeClose(CloseCode.Timeout, why));
      this.fail(new NetError(ErrorCode.Timeout, why));
    }, this.settings.timeout);
    // An acceptor is still inside the adapter's `accepted` call, where it may not send yet.
    if (this.acceptor === undefined) this.sendHello();
    else {
      queueMicrotask(() => {
        if (this.phase === "handshaking") this.sendHello();
      });
    }
  }

  /** Our HELLO goes first, whatever else is sent. */
  private sendHello(): void {
    if (this.helloSent) return;
    this.helloSent = true;
    this.sendRaw(this.acceptor === undefined ? this.settings.helloAsConnector : this.settings.helloAsAcceptor);
  }

  private innerData(bytes: Uint8Array): void {
    if (this.phase === "connecting") this.innerReady(); // bytes prove the connection is up
    if (!this.tagged) {
      this.userMessage(bytes);
      return;
    }
    if (bytes[0] === Tag.Data) this.userMessage(bytes.subarray(1));
    else this.onControl(bytes);
  }

  private userMessage(message: Uint8Array): void {
    this.pinger?.heard();
    if (message.length > this.limits.maxMessageSize) {
      const why = `the peer sent a message of ${message.length} bytes (the limit is ${this.limits.maxMessageSize})`;
      this.fail(new NetError(ErrorCode.MessageTooLarge, why));
    } else if (this.phase === "open") (this.sink as ConnectionSink).data(message);
    else if (this.tagged || this.peer === undefined) this.fail(protocolError("a message before the handshake"));
    else this.hold(message);
  }

  /** With a side channel, the peer may be done and sending before its ACCEPT reached us: hold a few. */
  private hold(message: Uint8Array): void {
    this.held ??= [];
    this.held.push(message);
    this.heldBytes += message.length;
    if (this.held.length > MAX_HELD_MESSAGES || this.heldBytes > MAX_HELD_BYTES) {
      this.fail(protocolError("too many messages before the handshake ended"));
    }
  }

  private onControl(frame: Uint8Array): void {
    if (this.phase === "connecting") this.innerReady();
    try {
      this.control(frame);
    } catch (error) {
      this.fail(NetError.from(error, ErrorCode.ProtocolError));
    }
  }

  private control(frame: Uint8Array): void {
    const tag = frame[0];
    if (this.peer === undefined && tag !== Tag.Hello) {
      throw protocolError(frame.length === 0 ? "an empty message instead of a hello" : `tag ${tag} before the hello`);
    }
    switch (tag) {
      case Tag.Hello:
        this.onHello(frame);
        break;
      case Tag.Accept:
        if (frame.length !== 1) throw protocolError("an ACCEPT with a body");
        this.remoteAccepted = true;
        this.maybeOpen();
        break;
      case Tag.Reject:
        this.fail(new NetError(ErrorCode.Rejected, decodeReason(frame, 1)));
        break;
      case Tag.Ping:
        this.onPing(decodePing(frame));
        break;
      case Tag.Pong:
        this.onPong(decodePing(frame));
        break;
      case Tag.Close: {
        const code = closeCodes[frame[1] as number] ?? ErrorCode.ConnectionLost;
        this.fail(new NetError(code, decodeReason(frame, 2)));
        break;
      }
      default:
        throw protocolError(`unknown tag ${tag}`);
    }
  }

  private onHello(frame: Uint8Array): void {
    if (this.peer !== undefined) throw protocolError("a second hello");
    const hello = decodeHello(frame);
    if (hello.fromAcceptor === (this.acceptor !== undefined)) {
      throw protocolError(`a hello from ${hello.fromAcceptor ? "an acceptor" : "a connector"} (an echo of ours?)`);
    }
    const peer: { id: string; hello?: unknown } = { id: hello.id };
    this.peer = peer;
    try {
      if (hello.hello !== undefined) peer.hello = this.settings.decodeHello(hello.hello);
    } catch (error) {
      this.refuse(`the hello does not decode: ${messageOf(error)}`);
      return;
    }
    runAccept(this.settings.accept, peer, (verdict) => this.decided(verdict));
  }

  private decided(verdict: unknown): void {
    if (this.phase !== "handshaking") return;
    if (verdict !== true) {
      this.refuse(typeof verdict === "string" ? verdict : `refused by accept (${String(verdict)})`);
      return;
    }
    this.localAccepted = true;
    this.sendFrame(ACCEPT_FRAME);
    this.maybeOpen();
  }

  private refuse(reason: string): void {
    this.sendFrame(encodeReject(reason));
    this.fail(new NetError(ErrorCode.Rejected, reason));
  }

  private onPong(sequence: number): void {
    this.lastPingAt = Date.now();
    const pinger = this.pinger;
    if (pinger === undefined) return;
    pinger.heard();
    pinger.pong(sequence);
    this.rtt = pinger.rtt;
  }

  private onPing(sequence: number): void {
    if (!this.pings.spend()) throw protocolError(`more than ${MAX_PINGS_PER_SECOND} pings in a second`);
    this.lastPingAt = Date.now();
    this.pinger?.heard();
    this.sendFrame(encodePing(Tag.Pong, sequence));
  }

  private maybeOpen(): void {
    if (!this.localAccepted || !this.remoteAccepted || this.phase !== "handshaking") return;
    this.phase = "open";
    this.clearTimer();
    const peer = this.peer as Peer<unknown>;
    const interval = this.settings.ping;
    if (interval !== undefined) {
      this.pinger = new Pinger(this.settings.clock, interval, {
        sendPing: (sequence) => this.sendFrame(encodePing(Tag.Ping, sequence)),
        silent: () => this.fail(new NetError(ErrorCode.Timeout, `the peer did not answer for ${2 * interval} ms`)),
        isPaused: () => this.paused,
      });
    }
    if (this.acceptor === undefined) (this.sink as ConnectionSink).ready(peer);
    else this.sink = this.acceptor.completed(this, peer); // undefined: refused by the core, which closed us
    const held = this.held;
    this.held = undefined;
    for (const message of held ?? []) {
      if (this.phase !== "open") return;
      this.sink?.data(message);
    }
  }

  private sendFrame(frame: Uint8Array): void {
    this.sendHello();
    this.sendRaw(frame);
  }

  private sendRaw(frame: Uint8Array): void {
    const inner = this.inner as Connection;
    if (inner.sendControl !== undefined) inner.sendControl(frame);
    else inner.send(frame);
  }

  /** The byte connection ended by itself. */
  private innerEnded(error: NetError | undefined): void {
    this.innerClosed = true;
    const wasOpen = this.phase === "open";
    const failure =
      wasOpen || this.phase === "connecting"
        ? error
        : (error ?? new NetError(ErrorCode.ConnectionLost, "the peer closed the connection during the handshake"));
    this.fail(failure);
  }

  /**
   * Ends the connection for `error` (or cleanly): the core hears of it if it knows the connection
   * (a connector, or an acceptor past its handshake); an acceptor's failed handshake ends silently.
   */
  private fail(error: NetError | undefined): void {
    if (this.phase === "ended") return;
    const sink = this.sink;
    this.finish();
    this.closeInner();
    sink?.closed(error);
  }

  private finish(): void {
    this.phase = "ended";
    this.clearTimer();
    this.pinger?.stop();
    this.held = undefined;
    this.acceptor?.ended(this);
  }

  private closeInner(): void {
    if (this.innerClosed) return;
    this.innerClosed = true;
    try {
      this.inner?.close();
    } catch {
      // The adapter's close failing must not stop the node.
    }
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.settings.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
