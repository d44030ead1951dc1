/**
 * The two Redis connections of a cluster node, over node-redis: one publishes, one subscribes
 * (a subscribed connection can do nothing else). node-redis's own reconnection is off: the
 * listener retries by itself, on its own unref'd timer, so `stop()` ends every retry at once.
 */
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { createClient, type RedisClientType } from "redis";
import { type ClientTlsOptions, ErrorCode, NetError } from "../../src/index.js";
import type { ClusterConfig } from "./cluster-config.js";

export interface RedisLink {
  readonly publisher: RedisClientType;
  readonly subscriber: RedisClientType;
}

/** Called for every message on the node's channels, in the order Redis sent them. */
export type OnFrame = (message: Buffer) => void;

/**
 * Connects both clients and subscribes to `channels`. Rejects with a `NetError` (see `redisError`)
 * and leaves nothing open when any step fails; `onLost` is called once if the link breaks later.
 */
export async function openRedisLink(
  config: ClusterConfig,
  tls: ClientTlsOptions | undefined,
  channels: string[],
  onFrame: OnFrame,
  onLost: (error: NetError) => void,
  cancel: { abort?: () => void },
): Promise<RedisLink> {
  // The same TLS details as the other transports take; the name verified defaults to the host.
  const details = {
    ...(isIP(config.host) ? {} : { servername: config.host }),
    ...(typeof tls === "object" ? tls : {}),
  } as ConnectionOptions;
  const publisher = createClient({
    socket: {
      host: config.host,
      port: config.port,
      ...(config.tls ? { tls: true as const, ...details } : {}),
      connectTimeout: config.connectTimeout,
      reconnectStrategy: false,
    },
    username: config.username,
    password: config.password,
    database: config.database,
    // Nothing waits for a link that is down: a send fails at once, and no queue grows meanwhile.
    disableOfflineQueue: true,
  }) as RedisClientType;
  const subscriber = publisher.duplicate() as RedisClientType;
  const link = { publisher, subscriber };
  let up = false;
  let lost = false;
  const onError = (error: unknown) => {
    if (!up || lost) return; // before it is up, the failing step rejects instead
    lost = true;
    onLost(new NetError(ErrorCode.ConnectionLost, `the link to Redis broke: ${describe(error)}`, { cause: error }));
  };
  for (const client of [publisher, subscriber]) {
    client.on("error", onError);
    client.on("end", () => onError(new Error("the connection closed")));
  }
  cancel.abort = () => closeRedisLink(link);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channels, onFrame, true);
  } catch (error) {
    closeRedisLink(link);
    throw redisError(error);
  } finally {
    cancel.abort = undefined;
  }
  up = true;
  return link;
}

/** Closes both connections at once, without waiting for anything. */
export function closeRedisLink(link: RedisLink): void {
  destroyClient(link.publisher);
  destroyClient(link.subscriber);
}

export function destroyClient(client: RedisClientType): void {
  try {
    client.destroy();
  } catch {
    // Already closed: nothing is left to release.
  }
}

/** A node-redis failure as a `NetError`: refused credentials are `AUTH_FAILED`, a socket's code stays. */
export function redisError(error: unknown): NetError {
  if (error instanceof NetError) return error;
  const message = describe(error);
  if (/^(WRONGPASS|NOAUTH|NOPERM)|AUTH.*(without any password|invalid password)/i.test(message)) {
    return new NetError(ErrorCode.AuthFailed, `Redis refused the credentials: ${message}`, { cause: error });
  }
  const name = error instanceof Error ? error.name : "";
  if (name === "ConnectionTimeoutError") {
    return new NetError(ErrorCode.Timeout, "Redis did not answer in time", { cause: error });
  }
  return NetError.from(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
