/**
 * Every option of `connect` and `listen` is checked here, before an adapter sees it: a bad value
 * throws `INVALID_ARGUMENT` before any socket exists (a `timeout: -5` once reached Node, which threw
 * its own `ERR_OUT_OF_RANGE` after the socket had been opened, and leaked it). Adapters may then
 * take the options as valid. A custom transport's options get the common checks; its own are its
 * adapter's to check, also before it opens anything.
 */
import type { CommonOptions, ResourceLimits } from "./adapter.js";
import { ErrorCode, NetError } from "./errors.js";
import {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_MESSAGES,
  type TransportInfo,
} from "./transport.js";

/** `undefined` when `value` is acceptable, else what was expected ("a number of ms >= 0"). */
export type OptionCheck = (value: unknown) => string | undefined;
type Check = OptionCheck;

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null;
const isStringList = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");

const limit: Check = (v) => (typeof v === "number" && v >= 0 ? undefined : "a number >= 0");
const ms: Check = (v) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? undefined : "a number of ms >= 0");
const positiveMs: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? undefined : "a number of ms > 0";
const count: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : "an integer >= 0");
const bytes: Check = (v) => (Number.isSafeInteger(v) && (v as number) > 0 ? undefined : "a whole number of bytes > 0");
const flag: Check = (v) => (typeof v === "boolean" ? undefined : "true or false");
const text: Check = (v) => (typeof v === "string" ? undefined : "a string");
const texts: Check = (v) => (isStringList(v) ? undefined : "an array of strings");
const textOrTexts: Check = (v) => (typeof v === "string" || isStringList(v) ? undefined : "a string or strings");
const keepAlive: Check = (v) => (v === false || ms(v) === undefined ? undefined : "a number of ms >= 0 or false");
const clientTls: Check = (v) => (typeof v === "boolean" || isObject(v) ? undefined : "true, false or an object");
const serverTls: Check = (v) => (isObject(v) ? undefined : "an object with key and cert");
const orObject: Check = (v) => (typeof v === "boolean" || isObject(v) ? undefined : "true, false or an object");
const headers: Check = (v) =>
  isObject(v) && Object.values(v).every((h) => typeof h === "string") ? undefined : "an object of strings";
const httpServer: Check = (v) =>
  isObject(v) &&
  typeof (v as { on?: unknown }).on === "function" &&
  typeof (v as { address?: unknown }).address === "function"
    ? undefined
    : "a node:http or node:https server";
const iceServers: Check = (v) =>
  Array.isArray(v) && v.every((server) => isObject(server) && "urls" in server) ? undefined : "an array of { urls }";

/** The checks an adapter author composes its own options' from (`Adapter.optionChecks`). */
export const optionChecks = { limit, ms, positiveMs, count, flag, text, texts, textOrTexts } as const;

const common = { maxMessageSize: limit, maxPendingBytes: limit, maxQueuedMessages: limit, maxQueuedBytes: limit };
const commonListen = { ...common, maxConnections: limit };
/** SO_RCVBUF and SO_SNDBUF of a udp socket. */
const udpBuffers = { recvBufferSize: bytes, sendBufferSize: bytes };
/** The options of every stream transport (the Node stream adapter's, custom ones included). */
export const streamOptionChecks = {
  connect: { timeout: ms, idleTimeout: ms, frameTimeout: ms },
  listen: { backlog: count, handshakeTimeout: ms, idleTimeout: ms, frameTimeout: ms },
} as const;
const streamConnect = {
  ...common,
  ...streamOptionChecks.connect,
  sourceAddress: text,
  keepAlive,
  noDelay: flag,
  tls: clientTls,
  reconnect: orObject,
};
const streamListen = {
  ...commonListen,
  ...streamOptionChecks.listen,
  keepAlive,
  noDelay: flag,
  tls: serverTls,
};

/** The checks of each built-in transport's options, by kind; a custom transport gets `common`. */
const checks: Record<"connect" | "listen", Record<string, Record<string, Check>>> = {
  connect: {
    tcp: streamConnect,
    "framed-tcp": streamConnect,
    udp: { ...common, ...udpBuffers, sourceAddress: text, broadcast: flag, reuseAddress: flag },
    ws: { ...common, protocols: textOrTexts, headers, tls: clientTls, timeout: ms, reconnect: orObject },
    webrtc: {
      ...common,
      ordered: flag,
      maxRetransmits: count,
      iceServers,
      timeout: ms,
      headers,
      tls: clientTls,
      reconnect: orObject,
    },
  },
  listen: {
    tcp: streamListen,
    "framed-tcp": streamListen,
    udp: {
      ...commonListen,
      ...udpBuffers,
      reuseAddress: flag,
      broadcast: flag,
      multicastInterface: text,
      multicastLoopback: flag,
    },
    ws: {
      ...commonListen,
      path: text,
      tls: serverTls,
      server: httpServer,
      origins: texts,
      heartbeat: positiveMs,
      handshakeTimeout: ms,
      idleTimeout: ms,
    },
    webrtc: {
      ...commonListen,
      path: text,
      tls: serverTls,
      server: httpServer,
      origins: texts,
      handshakeTimeout: ms,
      iceServers,
    },
    cluster: {
      ...commonListen,
      cluster: text,
      nodeId: text,
      presenceTimeout: ms,
      connectTimeout: ms,
      tls: clientTls,
    },
  },
};

/**
 * Throws `INVALID_ARGUMENT` for the first option of `options` that is not what `transport`'s
 * `kind` takes (an option left `undefined` is absent). Unknown option names are left alone. A
 * custom transport's own options are checked by the `optionChecks` its adapter declares.
 */
export function checkOptions(
  transport: string,
  kind: "connect" | "listen",
  options: unknown,
  custom?: Readonly<Record<string, OptionCheck>>,
): void {
  if (options === undefined) return;
  if (!isObject(options) || Array.isArray(options)) {
    throw new NetError(ErrorCode.InvalidArgument, `${kind} options must be an object, not ${describe(options)}`);
  }
  const table = checks[kind][transport] ?? { ...(kind === "listen" ? commonListen : common), ...custom };
  for (const [name, check] of Object.entries(table)) {
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) {
      throw new NetError(
        ErrorCode.InvalidArgument,
        `${transport} ${kind} option ${name} must be ${expected}, not ${describe(value)}`,
      );
    }
  }
}

/** The limits of one resource: the user's (already checked) options over the transport's defaults. */
export function resolveLimits(info: TransportInfo, options: CommonOptions): ResourceLimits {
  return {
    maxMessageSize: options.maxMessageSize ?? info.maxMessageSize,
    maxPendingBytes: options.maxPendingBytes ?? info.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    maxQueuedMessages: options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES,
    maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
  };
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}
