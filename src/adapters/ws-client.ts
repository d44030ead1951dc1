/**
 * The `ws` client: one adapter for every platform, written against the standard `WebSocket`
 * interface. The browser build gives it the native `WebSocket`, the Node build the `ws` package's
 * (which implements the same interface), so both report the same events for the same socket story.
 */
import type { Adapter, Connection, ConnectionSink, ResourceLimits } from "../adapter.js";
import { formatHostPort, parseHostPort } from "../address.js";
import { ErrorCode, NetError } from "../errors.js";
import { SendStatus } from "../events.js";
import type { WsConnectOptions, WsListenOptions } from "../options.js";
import { Transport, transportInfo } from "../transport.js";

/**
 * The part of the standard `WebSocket` the client uses. The browser's `WebSocket` and the `ws`
 * package's are both assignable to it as they are (the type tests check both).
 */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { readonly data: unknown }) => void): void;
  /** Node's `ws` passes the platform error as `error`; a browser says nothing. */
  addEventListener(type: "error", listener: (event: object) => void): void;
  addEventListener(type: "close", listener: (event: { readonly code: number; readonly reason: string }) => void): void;
  /** Browsers refuse views of a `SharedArrayBuffer`: the client copies those. */
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  /** Node's `ws` only: stop and restart reading (inbound backpressure). Browsers cannot. */
  pause?(): void;
  resume?(): void;
}

/**
 * Opens a socket to `url`. A platform passes what it supports of `options` (Node: `headers`, `tls`;
 * the browser only `protocols`) and may use `limits` to let its implementation refuse oversize
 * messages early. Throwing rejects the `connect` synchronously.
 */
export type WebSocketFactory = (url: string, options: WsConnectOptions, limits: ResourceLimits) => WebSocketLike;

/** The path a `"host:port"` address connects to, as message-io does (WIRE.md). */
export const DEFAULT_WS_PATH = "/message-io-default";

/** Close codes of a normal end: 1000 normal, 1001 going away, 1005 a close frame without a code. */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005]);

/**
 * What a close code says about how a connection ended: `undefined` for a clean close, else a
 * `NetError` (`PROTOCOL_ERROR` for 1002/1003/1007, `MESSAGE_TOO_LARGE` for 1009, `CONNECTION_LOST`
 * for the rest, 1006 "abnormal closure" included). Shared by the client and the Node server.
 */
export function closeCodeError(code: number, reason: string, addr: string): NetError | undefined {
  if (CLEAN_CLOSE_CODES.has(code)) return undefined;
  const why = `connection to ${addr} closed with code ${code}${reason === "" ? "" : ` (${reason})`}`;
  if (code === 1009) return new NetError(ErrorCode.MessageTooLarge, why);
  if (code === 1002 || code === 1003 || code === 1007) return new NetError(ErrorCode.ProtocolError, why);
  return new NetError(ErrorCode.ConnectionLost, why);
}

/**
 * A platform's socket error as a `NetError`. The `ws` package's protocol errors (`WS_ERR_*`, Node
 * only) become `MESSAGE_TOO_LARGE` or `PROTOCOL_ERROR`; other errors keep their code (`ECONNREFUSED`...).
 */
export function wsPlatformError(error: unknown): NetError {
  const net = NetError.from(error);
  if (!net.code.startsWith("WS_ERR_")) return net;
  const code = /PAYLOAD_LENGTH|MESSAGE_LENGTH/.test(net.code) ? ErrorCode.MessageTooLarge : ErrorCode.ProtocolError;
  return new NetError(code, net.message, { cause: error });
}

/**
 * Resolves `"host:port"` (to `ws://`, or `wss://` when `secure`) or a `ws://`/`wss://` URL (used as
 * given) to the URL to open and the endpoint's `host:port`.
 */
export function resolveWsAddress(remote: string, secure = false): { url: string; addr: string } {
  if (!/^wss?:\/\//i.test(remote)) {
    const { host, port } = parseHostPort(remote);
    const addr = formatHostPort(host, port);
    return { url: `${secure ? "wss" : "ws"}://${addr}${DEFAULT_WS_PATH}`, addr };
  }
  let url: URL;
  try {
    url = new URL(remote);
  } catch (error) {
    throw new NetError(ErrorCode.InvalidAddress, `"${remote}" is not a valid WebSocket URL`, { cause: error });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new NetError(ErrorCode.InvalidAddress, `"${remote}" has no host`);
  const port = url.port === "" ? (url.protocol === "wss:" ? 443 : 80) : Number(url.port);
  return { url: url.href, addr: formatHostPort(host, port) };
}

const utf8 = new TextEncoder();

class WsClientConnection implements Connection {
  /** Set while the core listens; cleared once the connection is reported closed or was closed by the core. */
  private sink: ConnectionSink | undefined;
  private open = false;
  /** The platform error of the last `error` event, when the implementation gives one (Node's `ws` does). */
  private platformError: unknown;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: WebSocketLike,
    readonly addr: string,
    private readonly limits: ResourceLimits,
    sink: ConnectionSink,
    timeout: number | undefined,
  ) {
    this.sink = sink;
    socket.binaryType = "arraybuffer";
    // Every listener stays attached to the end: `ws` throws an `error` event nobody listens to (rule 2).
    socket.addEventListener("error", (event) => {
      this.platformError ??= (event as { error?: unknown }).error;
    });
    socket.addEventListener("open", () => {
      this.clearTimer();
      this.open = true;
      this.sink?.ready();
    });
    socket.addEventListener("message", (event) => this.message(event.data));
    socket.addEventListener("close", (event) => this.closed(event.code, event.reason));
    if (timeout !== undefined) {
      this.timer = setTimeout(() => {
        this.fail(new NetError(ErrorCode.Timeout, `no WebSocket connection to ${addr} within ${timeout} ms`), 1000);
      }, timeout);
    }
  }

  private message(data: unknown): void {
    if (this.sink === undefined) return;
    const bytes =
      typeof data === "string"
        ? utf8.encode(data)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : undefined;
    if (bytes === undefined) {
      this.fail(new NetError(ErrorCode.ProtocolError, `unexpected WebSocket message from ${this.addr}`), 1003);
    } else if (bytes.length > this.limits.maxMessageSize) {
      const error = new NetError(
        ErrorCode.MessageTooLarge,
        `${this.addr} sent a message of ${bytes.length} bytes, more than the limit of ${this.limits.maxMessageSize}`,
      );
      this.fail(error, 1009);
    } else {
      this.sink.data(bytes);
    }
  }

  private closed(code: number, reason: string): void {
    this.clearTimer();
    const sink = this.sink;
    this.sink = undefined;
    if (sink === undefined) return;
    if (!this.open) {
      // The standard API tells nothing about why a handshake failed; Node's `ws` passes its error.
      const cause = this.platformError;
      const error =
        cause === undefined
          ? new NetError(ErrorCode.ConnectionLost, `WebSocket connection to ${this.addr} failed`)
          : wsPlatformError(cause);
      sink.closed(error);
      return;
    }
    const byCode = closeCodeError(code, reason, this.addr);
    // A close code that names the problem wins; an abnormal close says more with the platform's error.
    if (byCode?.code === ErrorCode.ConnectionLost && this.platformError !== undefined) {
      sink.closed(wsPlatformError(this.platformError));
    } else {
      sink.closed(byCode);
    }
  }

  /** Ends the connection for a reason of ours: reported at once, the socket's later events ignored. */
  private fail(error: NetError, code: number): void {
    const sink = this.sink;
    this.release(code);
    sink?.closed(error);
  }

  send(data: Uint8Array): SendStatus {
    try {
      this.socket.send(data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : data.slice());
    } catch {
      // Only a socket that is already closing refuses: its close event reports the end.
    }
    return SendStatus.Sent;
  }

  pendingBytes(): number {
    return this.socket.bufferedAmount;
  }

  pauseReading(): void {
    this.socket.pause?.();
  }

  resumeReading(): void {
    this.socket.resume?.();
  }

  close(): void {
    this.release(1000);
  }

  private release(code: number): void {
    this.sink = undefined;
    this.clearTimer();
    try {
      this.socket.close(code);
    } catch {
      // Browsers only let a script close with 1000 or 3000-4999 (1009 is `ws`'s right, not theirs).
      try {
        this.socket.close(1000);
      } catch {
        // Already closed.
      }
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The `ws` client adapter over `create`. `"host:port"` connects to `ws://host:port/message-io-default`;
 * `ws://` and `wss://` URLs are used as given. It has no `listen`: each platform adds its server.
 */
export function wsClientAdapter(create: WebSocketFactory): Adapter<WsConnectOptions, WsListenOptions> {
  return {
    transport: Transport.Ws,
    info: transportInfo(Transport.Ws),
    connect({ remote, options, limits, sink }) {
      const { url, addr } = resolveWsAddress(remote, options.tls !== undefined && options.tls !== false);
      const timeout = options.timeout; // checked by the core (option-checks.ts)
      let socket: WebSocketLike;
      try {
        socket = create(url, options, limits);
      } catch (error) {
        throw NetError.from(error, ErrorCode.InvalidAddress);
      }
      return new WsClientConnection(socket, addr, limits, sink, timeout);
    },
  };
}

/** A factory over a standard `WebSocket` constructor, passing only `protocols` (all a browser allows). */
export function standardWebSocketFactory(
  WebSocketCtor: new (url: string, protocols?: string | string[]) => WebSocketLike,
): WebSocketFactory {
  return (url, options) => new WebSocketCtor(url, options.protocols);
}
