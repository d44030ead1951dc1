/**
 * The log every scenario must produce, written once for both platforms. Only the last scenario
 * depends on the platform, by design: the browser has only the `ws` client.
 */
import { msgpack } from "message-io";
import { identityExpected } from "./identity-expected.js";
import { line } from "./log.js";
import { payloads, RECONNECT, type ScenarioName, type ScenarioPlatform } from "./scenarios.js";
import { describeValue, typedMessages } from "./typed-scenarios.js";

const { call, connected, disconnected, message, reconnecting, reconnected, signal } = line;

const expected: Record<ScenarioName, (platform: ScenarioPlatform["name"]) => string[]> = {
  connect: () => [
    call("connect(echo) gives an endpoint whose addr is", "echo"),
    call("isReady while connecting", false),
    connected("echo", true, false),
    call("connected carries the endpoint connect returned", true),
    call("isReady once connected", true),
    call("remove", true),
    call("isReady after remove", undefined),
  ],

  "failed-connect": () =>
    ["dead", "guarded"].flatMap((role) => [
      connected(role, false, true),
      call(`connected(${role}) error is a NetError`, true),
      call(`isReady(${role}) after the failure`, undefined),
      call(`send(${role}) after the failure`, "not-found"),
    ]),

  echo: () => [
    connected("echo", true, false),
    ...[0, 1, 2, 3].map((i) => call(`send(#${i})`, "sent")),
    message("echo", payloads.binary),
    message("echo", payloads.text),
    message("echo", payloads.empty),
    message("echo", payloads.view),
  ],

  "large-messages": () => [
    connected("echo", true, false),
    call(`send(${1024 * 1024}B)`, "sent"),
    call(`send(${8 * 1024 * 1024}B)`, "sent"),
    call("send(3B)", "sent"),
    message("echo", payloads.oneMiB),
    message("echo", payloads.eightMiB),
    message("echo", payloads.end),
  ],

  "server-remove": () => [
    connected("control", true, false),
    call("send(command)", "sent"),
    message("control", payloads.removeCommand),
    disconnected("control", false),
    call("isReady after disconnected", undefined),
    call("send after disconnected", "not-found"),
    call("remove after disconnected", false),
  ],

  "peer-closes-with-error": () => [
    connected("strict", true, false),
    call("send(at the limit)", "sent"),
    message("strict", payloads.atLimit),
    call("send(over the limit)", "sent"),
    disconnected("strict", true),
    call("disconnected error code", "MESSAGE_TOO_LARGE"),
  ],

  "client-remove": () => [
    connected("echo", true, false),
    call("send(first)", "sent"),
    call("remove(first)", true),
    call("remove(first) again", false),
    call("send(first) after remove", "not-found"),
    connected("echo", true, false),
    call("send(second)", "sent"),
    message("echo", payloads.afterRemove),
  ],

  "signals-and-timers": () => [
    call("cancelTimer(pending)", true),
    call("cancelTimer(cancelled)", false),
    signal("urgent"),
    signal("urgent 2"),
    signal("first"),
    signal("second"),
    signal("timer 0 ms"),
    signal("timer 10 ms"),
    signal("timer 60 ms"),
    call("cancelTimer(fired)", false),
    call("timer 10 ms no earlier than asked", true),
    call("timer 60 ms no earlier than asked", true),
  ],

  "enqueue-polling": () => [
    connected("echo", true, false),
    ...payloads.polled.map((text) => call(`send(${text})`, "sent")),
    ...payloads.polled.map((text) => message("echo", text)),
    call("every echo within the frame budget", true),
    call("tryReceive after stop", undefined),
  ],

  "connect-async": () => [
    connected("echo", true, false),
    call("connectAsync(echo) resolves with the endpoint of its connected", true),
    connected("dead", false, true),
    call("connectAsync(dead) rejects with a NetError", true),
    call("connectAsync(dead) rejects with the error of its connected", true),
  ],

  "reconnect-server-back": () => [
    connected("control", true, false),
    connected("flaky", true, false),
    call("send(flaky-down)", "sent"),
    // The server's clean close: a drop without an error.
    reconnecting("flaky", 1, RECONNECT.initialDelay, false),
    call("isReady while away", false),
    call("send while away", "queued"),
    reconnecting("flaky", 2, 250, true),
    reconnecting("flaky", 3, 1000, true),
    call("send(flaky-up)", "sent"),
    message("control", payloads.flakyUp),
    reconnected("flaky"),
    call("reconnected carries the endpoint connect returned", true),
    call("isReady once back", true),
    message("flaky", payloads.held),
  ],

  "reconnect-before-first-link": () => [
    connected("control", true, false),
    connected("flaky", true, false),
    call("send(flaky-down)", "sent"),
    disconnected("flaky", false),
    call("send before the first link", "queued"),
    reconnecting("flaky", 2, RECONNECT.initialDelay, true),
    reconnecting("flaky", 3, 250, true),
    reconnecting("flaky", 4, 1000, true),
    call("send(flaky-up)", "sent"),
    message("control", payloads.flakyUp),
    connected("flaky", true, false),
    message("flaky", payloads.held),
  ],

  "reconnect-silent-peer": () => [
    reconnecting("silent", 2, RECONNECT.initialDelay, true),
    reconnecting("silent", 3, 250, true),
    connected("silent", false, true),
  ],

  "reconnect-remove-during-wait": () => [
    reconnecting("dead", 2, RECONNECT.initialDelay, true),
    call("remove", true),
    call("isReady after remove", undefined),
    signal("waited"),
  ],
  "typed-messages": () => {
    const encoded = typedMessages.map((message) => msgpack<unknown>().encode(message));
    const bytes = encoded.reduce((sum, data) => sum + data.length, 0);
    return [
      connected("echo", true, false),
      ...typedMessages.map((_, i) => call(`send(typed #${i})`, "sent")),
      ...encoded.map((data) => message("echo", data)),
      ...typedMessages.map((sent, i) => call(`message #${i} decodes to`, describeValue(sent))),
      call("send(a symbol) throws", "INVALID_ARGUMENT, with its cause: true"),
      call("stats: messages sent, received", `${typedMessages.length}, ${typedMessages.length}`),
      call("stats: bytes sent = received = the echoes' bytes", bytes > 0),
      call("stats: lastReceivedAt >= openedAt", true),
      call("send(garbage)", "sent"),
      disconnected("echo", true),
      call("disconnected code", "DECODE_ERROR"),
      call("node stats: connections, dropped", "0, 1"),
      call("stats of the ended endpoint", undefined),
    ];
  },

  "unsupported-transports": (platform) => {
    const onlyWsClient = platform === "browser";
    const verdict = (supported: boolean) => (supported ? "supported" : "UNSUPPORTED_TRANSPORT");
    return [
      ...["tcp", "framed-tcp", "udp", "ws"].map((t) => call(`listen(${t})`, verdict(!onlyWsClient))),
      ...["tcp", "framed-tcp", "udp", "ws"].map((t) => call(`connect(${t})`, verdict(!onlyWsClient || t === "ws"))),
      ...["tcp", "framed-tcp", "udp"].map((t) => call(`connectAsync(${t})`, verdict(!onlyWsClient))),
    ];
  },

  ...identityExpected,
};

/** The log `name` must produce on `platform`. */
export function expectedLog(name: ScenarioName, platform: ScenarioPlatform["name"]): string[] {
  return expected[name](platform);
}

/** Whether a scenario's expected log is the same on both platforms, so its two logs can be compared directly. */
export const isPlatformIndependent = (name: ScenarioName) => name !== "unsupported-transports";
