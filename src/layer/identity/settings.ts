/**
 * `split({ identity })` checked once, when the node is made: a bad option throws `INVALID_ARGUMENT`
 * there, and the hello is encoded once for every connection.
 */
import type { Clock } from "../../clock.js";
import { ErrorCode, NetError } from "../../errors.js";
import type { Peer } from "../../events.js";
import { type SendData, toBytes } from "../../network.js";
import type { Codec } from "../codec.js";
import type { IdentityOptions } from "./options.js";
import { encodeHello, MAX_HELLO_FRAME, MAX_ID_BYTES } from "./wire.js";

export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** The shortest `ping` interval: a peer pinging faster than this allows is flooding (see `MAX_PINGS_PER_SECOND`). */
export const MIN_PING_INTERVAL = 10;

/** What every identity connection of a node shares. */
export interface IdentitySettings {
  readonly id: string;
  /** The HELLO frames this node sends, as a connector and as an acceptor. */
  readonly helloAsConnector: Uint8Array;
  readonly helloAsAcceptor: Uint8Array;
  /** The peer's hello bytes as the user sees them: decoded by the codec, else the bytes. */
  readonly decodeHello: (bytes: Uint8Array) => unknown;
  readonly accept: ((peer: Peer<any>) => boolean | string | PromiseLike<boolean | string>) | undefined;
  readonly timeout: number;
  readonly ping: number | undefined;
  readonly clock: Clock;
}

const utf8 = new TextEncoder();

export function identitySettings<M>(
  options: IdentityOptions<M>,
  codec: Codec<M> | undefined,
  clock: Clock,
): IdentitySettings {
  if (typeof options !== "object" || options === null)
    throw invalid(`identity must be an object, not ${String(options)}`);
  const { id, hello, accept } = options;
  if (typeof id !== "string") throw invalid(`identity.id must be a string, not ${typeof id}`);
  const idBytes = utf8.encode(id);
  if (idBytes.length === 0 || idBytes.length > MAX_ID_BYTES) {
    throw invalid(`identity.id must have 1-${MAX_ID_BYTES} bytes of UTF-8, not ${idBytes.length}`);
  }
  if (accept !== undefined && typeof accept !== "function") throw invalid("identity.accept must be a function");
  const timeout = checkMs(options.timeout, "identity.timeout", 1) ?? DEFAULT_HANDSHAKE_TIMEOUT;
  const ping = checkMs(options.ping, "identity.ping", MIN_PING_INTERVAL);
  const helloBytes = hello === undefined ? undefined : encodeOwnHello(hello, codec);
  const helloAsConnector = encodeHello(idBytes, helloBytes, false);
  if (helloAsConnector.length > MAX_HELLO_FRAME) {
    throw invalid(`identity.hello takes ${helloBytes?.length} bytes: a hello frame may have ${MAX_HELLO_FRAME}`);
  }
  return {
    id,
    helloAsConnector,
    helloAsAcceptor: encodeHello(idBytes, helloBytes, true),
    decodeHello: codec === undefined ? (bytes) => bytes : (bytes) => codec.decode(bytes),
    accept: accept as IdentitySettings["accept"],
    timeout,
    ping,
    clock,
  };
}

function encodeOwnHello<M>(hello: M, codec: Codec<M> | undefined): Uint8Array {
  try {
    return codec === undefined ? toBytes(hello as SendData).slice() : codec.encode(hello).slice();
  } catch (error) {
    throw new NetError(ErrorCode.InvalidArgument, `identity.hello cannot be encoded: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function checkMs(value: unknown, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw invalid(`${name} must be a number of ms >= ${min}, not ${String(value)}`);
  }
  return value;
}

function invalid(message: string): NetError {
  return new NetError(ErrorCode.InvalidArgument, message);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
