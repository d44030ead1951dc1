/** What the scenario server's `identity` role says, shared by both sides of the scenarios. */
export const SERVER_ID = "scenario-server";
export const ACCEPTED_HELLO = "v3";
export const REFUSAL = "needs version 3";

/** The typed role's hellos (msgpack), and the commands of the typed-reconnect scenario. */
export const TYPED_SERVER_HELLO = { t: "hello", server: SERVER_ID, since: new Date(Date.UTC(2026, 11, 2)) };
export const TYPED_CLIENT_HELLO = { t: "hello", version: 3, token: Uint8Array.of(7, 0, 255) };
/** Sent on a `typed` connection: the typed listener and its connections go away. */
export const TYPED_DOWN = { t: "down" };
/** Sent on a `control` connection: the typed listener comes back, then the command is echoed. */
export const TYPED_UP = "typed-up";
