/**
 * `message-io/adapter` (both builds): what a custom transport is written with. The contract and
 * its types (documented in src/adapter.ts), the in-memory template adapter, and framed-tcp's
 * framing (varint length prefixes, WIRE.md) for any stream. The Node build adds its stream and
 * connection bases (platform/node/adapter.ts); the contract kit is `message-io/testing`.
 */
export type * from "../adapter.js";
export { formatHostPort, type HostPort, parseHostPort } from "../address.js";
export { ErrorCode, NetError } from "../errors.js";
export { SendStatus } from "../events.js";
export { encodeVarint, FrameDecoder, MAX_PREFIX_BYTES, varintSize, writeVarint } from "../framing.js";
export { type OptionCheck, optionChecks } from "../option-checks.js";
export type { TransportInfo } from "../transport.js";
export { memoryAdapter } from "./memory.js";
