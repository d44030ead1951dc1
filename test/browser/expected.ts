/**
 * The log every scenario must produce, written once for both platforms. Only the last scenario
 * depends on the platform, by design: the browser has only the `ws` client.
 */
import { identityExpected } from "./identity-expected.js";
import { line } from "./log.js";
import { payloads, type ScenarioName, type ScenarioPlatform } from "./scenarios.js";

const { call, connected, disconnected, message, signal } = line;

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
