/** The logs of the identity scenarios (identity-scenarios.ts): the same on both platforms. */
import { REFUSAL, SERVER_ID } from "./identity-constants.js";
import { line } from "./log.js";

const { call, connected, disconnected, message, signal } = line;

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
  ],
  "identity-dead-server": () => [
    connected("mute", true, false),
    disconnected("mute", true),
    call("disconnected code", "ETIMEDOUT"),
  ],
};
