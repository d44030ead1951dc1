/**
 * A cluster listener's address and options, checked before anything connects: a standard Redis
 * URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS) and the cluster's settings.
 */
import { randomBytes } from "node:crypto";
import { type ClusterListenOptions, ErrorCode, NetError } from "../../src/index.js";

export interface ClusterConfig {
  readonly host: string;
  readonly port: number;
  readonly database: number | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** `rediss://`: TLS, with the `tls` option's details. */
  readonly tls: boolean;
  /** The URL without credentials: what `listen` resolves with. */
  readonly publicAddr: string;
  readonly nodeId: string;
  /** Redis channels: the cluster's (presence and groups) and one per node (its messages). */
  readonly clusterChannel: string;
  readonly channelPrefix: string;
  readonly presenceTimeout: number;
  readonly connectTimeout: number;
}

const DEFAULT_CLUSTER = "message-io";
const DEFAULT_PRESENCE_TIMEOUT = 5_000;
const DEFAULT_CONNECT_TIMEOUT = 5_000;
const DEFAULT_REDIS_PORT = 6379;
const utf8 = new TextEncoder();

export function clusterConfig(addr: string, options: ClusterListenOptions, nodeId: string | undefined): ClusterConfig {
  const url = parseRedisUrl(addr);
  const id = options.nodeId ?? nodeId ?? `node-${randomBytes(6).toString("hex")}`;
  const idBytes = typeof id === "string" ? utf8.encode(id).length : 0;
  if (idBytes < 1 || idBytes > 255) {
    throw new NetError(ErrorCode.InvalidArgument, `nodeId must be 1-255 bytes of UTF-8, not ${String(id)}`);
  }
  const cluster = options.cluster ?? DEFAULT_CLUSTER;
  if (typeof cluster !== "string" || cluster.length === 0) {
    throw new NetError(ErrorCode.InvalidArgument, `cluster must be a non-empty string, not ${String(cluster)}`);
  }
  // Redis pub/sub ignores the database number: the cluster's name alone keeps clusters apart.
  const base = `message-io:${encodeURIComponent(cluster)}`;
  return {
    ...url,
    nodeId: id,
    clusterChannel: `${base}:all`,
    channelPrefix: `${base}:node:`,
    presenceTimeout: positive(options.presenceTimeout, "presenceTimeout", DEFAULT_PRESENCE_TIMEOUT),
    connectTimeout: positive(options.connectTimeout, "connectTimeout", DEFAULT_CONNECT_TIMEOUT),
  };
}

/** The channel on which node `id` receives its messages. */
export function nodeChannel(config: ClusterConfig, id: string): string {
  return config.channelPrefix + encodeURIComponent(id);
}

function parseRedisUrl(addr: string) {
  let url: URL;
  try {
    url = new URL(addr);
  } catch {
    throw invalid(addr, "it is not a URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw invalid(addr, "the scheme is not redis: or rediss:");
  if (url.hostname === "") throw invalid(addr, "it names no host");
  const path = url.pathname === "/" ? "" : url.pathname;
  if (path !== "" && !/^\/\d{1,5}$/.test(path)) throw invalid(addr, "the path is not a database number");
  if (url.search !== "" || url.hash !== "") throw invalid(addr, "it has a query or a fragment");
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return {
    host: hostname,
    port: url.port === "" ? DEFAULT_REDIS_PORT : Number(url.port),
    database: path === "" ? undefined : Number(path.slice(1)),
    username: url.username === "" ? undefined : decodeURIComponent(url.username),
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
    tls: url.protocol === "rediss:",
    publicAddr: `${url.protocol}//${url.host}${path}`,
  };
}

function invalid(addr: string, why: string): NetError {
  // The address may hold a password: never put it in a message.
  const shown = addr.replace(/\/\/[^@/]*@/, "//***@");
  return new NetError(
    ErrorCode.InvalidAddress,
    `"${shown}" is not a Redis URL (redis://[user:password@]host:port[/db]): ${why}`,
  );
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new NetError(ErrorCode.InvalidArgument, `${name} must be a number of ms > 0, not ${String(value)}`);
  }
  return value;
}
