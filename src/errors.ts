/**
 * Every error the library reports is a `NetError` with a machine-readable `code`. Platform errors
 * keep their own code (`ECONNREFUSED`, `EADDRINUSE`, ...) and travel as `cause`.
 */
export const ErrorCode = {
  /** The node was stopped: nothing can be started on it any more. */
  Stopped: "STOPPED",
  /** An address or URL that cannot be parsed for the transport. */
  InvalidAddress: "INVALID_ADDRESS",
  /** An option or argument of the wrong type or range. */
  InvalidArgument: "INVALID_ARGUMENT",
  /** The transport is unknown, or does not exist on this platform (`listen` in the browser). */
  UnsupportedTransport: "UNSUPPORTED_TRANSPORT",
  /** A peer sent a message larger than the connection's `maxMessageSize`. */
  MessageTooLarge: "MESSAGE_TOO_LARGE",
  /** A peer broke the wire format (a malformed length prefix, an invalid frame). */
  ProtocolError: "PROTOCOL_ERROR",
  /**
   * A connect or handshake did not complete in the configured time, or a peer missed a deadline:
   * `heartbeat`, `handshakeTimeout`, `frameTimeout`, `idleTimeout`, or TCP keep-alive.
   */
  Timeout: "ETIMEDOUT",
  /** The connection was removed by `network.remove()` before it was ready. */
  Removed: "REMOVED",
  /** The listener already has its consumer (`forEach` or `enqueue` was called before). */
  ListenerInUse: "LISTENER_IN_USE",
  /** A listener refused a connection because it had `maxConnections` already. */
  TooManyConnections: "TOO_MANY_CONNECTIONS",
  /** The peer closed the connection abnormally, or the platform gave no code. */
  ConnectionLost: "CONNECTION_LOST",
  /** A peer sent a payload the node's codec could not decode. */
  DecodeError: "DECODE_ERROR",
  /** A handshake was refused (`identity.accept`), by either side; the message holds the reason. */
  Rejected: "REJECTED",
  /** A newer connection of the same peer id replaced this one on the accepting listener. */
  Replaced: "REPLACED",
  /** A server (Redis, for `Transport.Cluster`) refused the credentials. */
  AuthFailed: "AUTH_FAILED",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A known `ErrorCode`, or a platform's own (`ECONNREFUSED`, ...): editors complete the known ones. */
export type NetErrorCode = ErrorCode | (string & {});

/**
 * The one error type of the library: a `code` to branch on (`ErrorCode`, or the platform's own
 * such as `ECONNREFUSED`), a readable `message`, and the platform's error as `cause` where there was one.
 */
export class NetError extends Error {
  /** A stable, machine-readable code: one of `ErrorCode` or the platform's own (`ECONNREFUSED`, ...). */
  readonly code: NetErrorCode;

  constructor(code: NetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetError";
    this.code = code;
  }

  /** Wraps anything thrown by a platform into a `NetError`, keeping its code and the original as `cause`. */
  static from(error: unknown, fallbackCode: string = ErrorCode.ConnectionLost): NetError {
    if (error instanceof NetError) return error;
    const code = platformCode(error) ?? fallbackCode;
    const message = error instanceof Error ? error.message : String(error);
    return new NetError(code, message, { cause: error });
  }
}

function platformCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" && code.length > 0 ? code : undefined;
}
