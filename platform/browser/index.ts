/**
 * The browser build: the core with the `ws` client over the native `WebSocket`.
 * `import { split } from "message-io"` resolves here under the `browser` condition (Vite).
 */
import { ErrorCode, NetError } from "../../src/errors.js";
import { createSplit } from "../../src/node.js";
import { type WebSocketLike, wsClientAdapter } from "../../src/ws-client.js";

export * from "../../src/index.js";

/** Browsers take only `protocols`: `headers` and `tls` are Node options, ignored here (`wss://` is the URL's). */
const wsAdapter = wsClientAdapter((url, { protocols }) => {
  const NativeWebSocket = globalThis.WebSocket;
  if (typeof NativeWebSocket !== "function") {
    throw new NetError(ErrorCode.UnsupportedTransport, "this platform has no WebSocket");
  }
  return new NativeWebSocket(url, protocols) as WebSocketLike;
});

/**
 * Creates a node: `handler` acts (network, signals, stop), `listener` receives its events.
 * `S` is the type of the signals the program sends itself.
 */
export const split = createSplit({ adapters: [wsAdapter] });
