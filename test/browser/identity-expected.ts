/** The logs of the identity scenarios (identity-scenarios.ts): the same on both platforms. */
import { msgpack } from "message-io";
import { REFUSAL, SERVER_ID, TYPED_SERVER_HELLO, TYPED_UP } from "./identity-constants.js";
import { line } from "./log.js";
import { RECONNECT } from "./scenarios.js";
import { describeValue } from "./typed-scenarios.js";

const { call, connected, disconnected, message, reconnected, reconnecting, signal } = line;
const typed = msgpack<unknown>();

export const identityExpected = {
  "identity-refused": () => [
    call("send while handshaking", "not-available"),
    connected("identity", false, true),
    call("error code", "REJECTED"),
    call("error message", REFUSAL),
    call("peers", ""),
  ],
  "identity-accepted": () => [
    connected("identity", true, false),
    call("peer id", SERVER_ID),
    call("peers.endpoint is the connection", true),
    call("peers.send", "sent"),
    message("identity", "by id"),
  ],
  "identity-replaced": () => [
    connected("identity", true, false),
    disconnected("identity", true),
    call("the older connection ended", true),
    call("disconnected code", "REPLACED"),
    call("the newer connection is ready", true),
  ],
  "identity-pings": () => [
    connected("identity", true, false),
    signal("eight intervals later"),
    call("still connected", true),
    call("stats rtt > 0", true),
  ],
  "identity-dead-server": () => [
    connected("mute", true, false),
    disconnected("mute", true),
    call("disconnected code", "ETIMEDOUT"),
  ],
  "identity-typed-reconnect": () => {
    const serverPeer = describeValue({ id: SERVER_ID, hello: TYPED_SERVER_HELLO });
    const first = { t: "chat", text: "first" };
    const held = [1, 2].map((n) => ({ t: "move", n, at: new Date(n) }));
    return [
      connected("control", true, false),
      connected("typed", true, false),
      call("peer", serverPeer),
      call("send(first)", "sent"),
      message("typed", typed.encode(first)),
      call("echo decodes to", describeValue(first)),
      call("send(down)", "sent"),
      // The server's clean close: a drop without an error.
      reconnecting("typed", 1, RECONNECT.initialDelay, false),
      call("isReady while away", false),
      call("send(held 1)", "queued"),
      call("send(held 2)", "queued"),
      call("peers while away", SERVER_ID),
      reconnecting("typed", 2, 250, true),
      reconnecting("typed", 3, 1000, true),
      call("send(typed-up)", "sent"),
      message("control", TYPED_UP),
      reconnected("typed"),
      call("reconnected peer", serverPeer),
      call("peers.endpoint is the connection", true),
      ...held.map((value) => message("typed", typed.encode(value))),
      ...held.map((value, i) => call(`held echo ${i + 1} decodes to`, describeValue(value))),
      call("stats: messages sent, received", "4, 3"),
    ];
  },
};
