/**
 * The browser build: the core with the `ws` client over the native `WebSocket`.
 * `import { split } from "message-io"` resolves here under the `browser` condition (Vite).
 */
import { createSplit } from "../../src/node.js";

export * from "../../src/index.js";

/**
 * Creates a node: `handler` acts (network, signals, stop), `listener` receives its events.
 * `S` is the type of the signals the program sends itself.
 */
export const split = createSplit({ adapters: [] });
