/**
 * The client half of the contract suite, written once and run on both platforms: in Node
 * (node.test.ts) and in real Chromium (chromium.browser.test.ts), each against the same Node server
 * made with the library (server.ts). A scenario returns a normalised log (log.ts) and both platforms
 * must produce the one in expected.ts.
 *
 * Platform-neutral: it gets `split` from the platform, the only export bound to one; the rest
 * (`Transport`, `NetError`, ...) is the shared core, the same module in both builds.
 */
import {
  NetError,
  type NetError as NetErrorType,
  type NodeHandler,
  type NodeListener,
  type Split,
  Transport,
} from "message-io";
import { identityScenarios } from "./identity-scenarios.js";
import {
  isEvent,
  isSignal,
  patternBytes,
  type ScenarioAddresses,
  ScenarioLog,
  type ScenarioResult,
  STRICT_MAX_MESSAGE_SIZE,
} from "./log.js";
import { scenarioCodecs, typedScenarios } from "./typed-scenarios.js";

export interface ScenarioPlatform {
  readonly name: "node" | "browser";
  readonly split: Split;
  /** Runs `callback` at the next frame: `requestAnimationFrame` in the browser, a 16 ms timer in Node. */
  readonly requestFrame: (callback: () => void) => void;
}

export interface Context<S> {
  readonly handler: NodeHandler<S>;
  readonly listener: NodeListener<S>;
  readonly log: ScenarioLog<S>;
  readonly at: ScenarioAddresses;
  readonly platform: ScenarioPlatform;
}

type Scenario = (context: Context<any>) => Promise<void>;

/** The payloads, shared with the expected logs. */
export const payloads = {
  binary: new Uint8Array([0, 1, 2, 127, 128, 254, 255]),
  text: "héllo ✓ 🌍",
  empty: new Uint8Array(0),
  /** A view into a larger buffer: only the view's bytes may travel. */
  view: patternBytes(64, 5).subarray(8, 40),
  oneMiB: patternBytes(1024 * 1024, 11),
  eightMiB: patternBytes(8 * 1024 * 1024, 12),
  end: "end",
  atLimit: patternBytes(STRICT_MAX_MESSAGE_SIZE, 21),
  overLimit: patternBytes(STRICT_MAX_MESSAGE_SIZE + 1, 22),
  lost: "sent just before remove",
  afterRemove: "after remove",
  polled: ["frame 1", "frame 2", "frame 3"],
  removeCommand: "echo-then-remove",
  flakyDown: "flaky-down",
  flakyUp: "flaky-up",
  held: "sent while away",
};

/**
 * `reconnect` in the scenarios: no jitter, so delays are in the log; 50 ms, then 250, then 1 s,
 * which leaves a scenario a whole second to bring the flaky server back before attempt 3.
 */
export const RECONNECT = { initialDelay: 50, factor: 5, maxDelay: 1000, jitter: 0 } as const;

/** The most frames the polling scenario runs (with a 15 s deadline as well). */
const MAX_FRAMES = 900;
const POLL_DEADLINE_MS = 15_000;
/** The most events drained in one frame: a game loop bounds its work per frame. */
const MAX_EVENTS_PER_FRAME = 1000;

const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;

export const scenarios = {
  /** `connect` gives the endpoint at once; one `connected` (ok) carries that same object. */
  async connect({ handler, log, at }) {
    const endpoint = handler.network.connect(Transport.Ws, at.echo);
    log.note("connect(echo) gives an endpoint whose addr is", log.roleOf(endpoint.addr));
    log.note("isReady while connecting", handler.network.isReady(endpoint.id));
    const connected = await log.waitFor(isEvent("connected", "echo", log));
    log.note("connected carries the endpoint connect returned", connected.endpoint === endpoint);
    log.note("isReady once connected", handler.network.isReady(endpoint.id));
    log.note("remove", handler.network.remove(endpoint.id));
    log.note("isReady after remove", handler.network.isReady(endpoint.id));
  },

  /** Nothing listening, and a refused handshake: one `connected` with ok=false and an error each. */
  async "failed-connect"({ handler, log, at }) {
    for (const role of ["dead", "guarded"] as const) {
      const endpoint = handler.network.connect(Transport.Ws, at[role]);
      const failed = await log.waitFor(isEvent("connected", role, log));
      log.note(`connected(${role}) error is a NetError`, failed.error instanceof NetError);
      log.note(`isReady(${role}) after the failure`, handler.network.isReady(endpoint.id));
      log.note(`send(${role}) after the failure`, handler.network.send(endpoint, "x"));
    }
  },

  /** Binary, string, empty and a view's bytes come back as one message each, in order. */
  async echo({ handler, log, at }) {
    const endpoint = handler.network.connect(Transport.Ws, at.echo);
    await log.waitFor(isEvent("connected", "echo", log));
    const sent = [payloads.binary, payloads.text, payloads.empty, payloads.view];
    for (const [i, data] of sent.entries()) log.note(`send(#${i})`, handler.network.send(endpoint, data));
    await log.waitFor(isEvent("message", "echo", log), sent.length);
  },

  /** 1 MiB and 8 MiB arrive intact as one message each; the marker after them proves nothing else came. */
  async "large-messages"({ handler, log, at }) {
    const endpoint = await handler.network.connectAsync(Transport.Ws, at.echo);
    await log.waitFor(isEvent("connected", "echo", log));
    for (const data of [payloads.oneMiB, payloads.eightMiB, payloads.end]) {
      log.note(`send(${data.length}B)`, handler.network.send(endpoint, data));
    }
    await log.waitFor(isEvent("message", "echo", log), 3, 25_000);
  },

  /** The server answers, then removes the connection: the answer, then `disconnected` without error. */
  async "server-remove"({ handler, log, at }) {
    const endpoint = handler.network.connect(Transport.Ws, at.control);
    await log.waitFor(isEvent("connected", "control", log));
    log.note("send(command)", handler.network.send(endpoint, payloads.removeCommand));
    await log.waitFor(isEvent("disconnected", "control", log));
    log.note("isReady after disconnected", handler.network.isReady(endpoint.id));
    log.note("send after disconnected", handler.network.send(endpoint, "x"));
    log.note("remove after disconnected", handler.network.remove(endpoint.id));
  },

  /** A message over the server's limit: it closes with 1009, seen as `disconnected` MESSAGE_TOO_LARGE. */
  async "peer-closes-with-error"({ handler, log, at }) {
    const endpoint = handler.network.connect(Transport.Ws, at.strict);
    await log.waitFor(isEvent("connected", "strict", log));
    log.note("send(at the limit)", handler.network.send(endpoint, payloads.atLimit));
    await log.waitFor(isEvent("message", "strict", log));
    log.note("send(over the limit)", handler.network.send(endpoint, payloads.overLimit));
    const gone = await log.waitFor(isEvent("disconnected", "strict", log));
    log.note("disconnected error code", codeOf(gone.error));
  },

  /** `remove` emits nothing, and the answer already on its way is never delivered. */
  async "client-remove"({ handler, log, at }) {
    const first = handler.network.connect(Transport.Ws, at.echo);
    await log.waitFor(isEvent("connected", "echo", log));
    log.note("send(first)", handler.network.send(first, payloads.lost));
    log.note("remove(first)", handler.network.remove(first.id));
    log.note("remove(first) again", handler.network.remove(first.id));
    log.note("send(first) after remove", handler.network.send(first, "x"));
    // A round trip on a second connection: the first one's echo and close come back before it does.
    const second = await handler.network.connectAsync(Transport.Ws, at.echo);
    await log.waitFor(isEvent("connected", "echo", log), 2);
    log.note("send(second)", handler.network.send(second, payloads.afterRemove));
    await log.waitFor(isEvent("message", "echo", log));
  },

  /** Priority first, FIFO next, timers in due order and never early, a cancelled timer never. */
  async "signals-and-timers"({ handler, log }) {
    const signals = handler.signals;
    signals.send("first");
    signals.send("second");
    signals.sendWithPriority("urgent");
    signals.sendWithPriority("urgent 2");
    const start = performance.now();
    signals.sendWithTimer("timer 60 ms", 60);
    signals.sendWithTimer("timer 10 ms", 10);
    const cancelled = signals.sendWithTimer("cancelled", 20);
    log.note("cancelTimer(pending)", signals.cancelTimer(cancelled));
    log.note("cancelTimer(cancelled)", signals.cancelTimer(cancelled));
    const fired = signals.sendWithTimer("timer 0 ms", 0);
    await log.waitFor(isSignal("timer 60 ms"));
    log.note("cancelTimer(fired)", signals.cancelTimer(fired));
    for (const [name, ms] of [
      ["timer 10 ms", 10],
      ["timer 60 ms", 60],
    ] as const) {
      const at = log.deliveredAt(isSignal(name)) ?? Number.NaN;
      log.note(`${name} no earlier than asked`, at - start >= ms);
    }
  },

  /** A game loop: `tryReceive()` drained once per frame (in the browser, inside `requestAnimationFrame`). */
  async "enqueue-polling"({ handler, listener, log, at, platform }) {
    const receiver = listener.enqueue();
    const endpoint = handler.network.connect(Transport.Ws, at.echo);
    let echoes = 0;
    const frames = await new Promise<number>((resolve) => {
      const deadline = performance.now() + POLL_DEADLINE_MS;
      let frame = 0;
      const tick = () => {
        frame += 1;
        for (let n = 0; n < MAX_EVENTS_PER_FRAME; n++) {
          const event = receiver.tryReceive();
          if (event === undefined) break;
          log.record(event);
          if (event.type === "connected" && event.ok) {
            for (const text of payloads.polled) log.note(`send(${text})`, handler.network.send(endpoint, text));
          }
          if (event.type === "message") echoes += 1;
        }
        const done = echoes >= payloads.polled.length;
        if (done || frame >= MAX_FRAMES || performance.now() > deadline) resolve(frame);
        else platform.requestFrame(tick);
      };
      platform.requestFrame(tick);
    });
    log.note("every echo within the frame budget", echoes === payloads.polled.length && frames <= MAX_FRAMES);
    handler.stop();
    log.note("tryReceive after stop", receiver.tryReceive());
  },

  /** `connectAsync` resolves with the endpoint of its `connected`, and rejects with that event's error. */
  async "connect-async"({ handler, log, at }) {
    const endpoint = await handler.network.connectAsync(Transport.Ws, at.echo);
    const connected = await log.waitFor(isEvent("connected", "echo", log));
    log.note("connectAsync(echo) resolves with the endpoint of its connected", connected.endpoint === endpoint);
    let rejection: unknown;
    try {
      await handler.network.connectAsync(Transport.Ws, at.dead);
    } catch (error) {
      rejection = error;
    }
    const failed = await log.waitFor(isEvent("connected", "dead", log));
    log.note("connectAsync(dead) rejects with a NetError", rejection instanceof NetError);
    log.note("connectAsync(dead) rejects with the error of its connected", rejection === failed.error);
  },

  /** The browser has only the `ws` client: the rest fails with UNSUPPORTED_TRANSPORT (Node has it all). */
  async "unsupported-transports"({ handler, log, at }) {
    const verdict = (error: unknown) =>
      codeOf(error) === "UNSUPPORTED_TRANSPORT" ? "UNSUPPORTED_TRANSPORT" : `supported (${String(codeOf(error))})`;
    for (const transport of [Transport.Tcp, Transport.FramedTcp, Transport.Udp, Transport.Ws]) {
      try {
        const { id } = await handler.network.listen(transport, "127.0.0.1:0");
        handler.network.remove(id);
        log.note(`listen(${transport})`, "supported");
      } catch (error) {
        log.note(`listen(${transport})`, verdict(error));
      }
    }
    for (const transport of [Transport.Tcp, Transport.FramedTcp, Transport.Udp, Transport.Ws]) {
      try {
        // Removed at once: its outcome is not this scenario's business, and `remove` silences it.
        handler.network.remove(handler.network.connect(transport, at.dead).id);
        log.note(`connect(${transport})`, "supported");
      } catch (error) {
        log.note(`connect(${transport})`, verdict(error));
      }
    }
    for (const transport of [Transport.Tcp, Transport.FramedTcp, Transport.Udp]) {
      const outcome = handler.network.connectAsync(transport, at.dead);
      log.note(
        `connectAsync(${transport})`,
        await outcome.then(
          () => "supported",
          (error: NetErrorType) => (codeOf(error) === "UNSUPPORTED_TRANSPORT" ? "UNSUPPORTED_TRANSPORT" : "supported"),
        ),
      );
    }
  },

  /**
   * The flaky server goes away with the link (a clean close) and comes back before attempt 3:
   * reconnecting from attempt 1, what was sent meanwhile held and delivered after `reconnected`.
   */
  async "reconnect-server-back"({ handler, log, at }) {
    const control = await handler.network.connectAsync(Transport.Ws, at.control);
    await log.waitFor(isEvent("connected", "control", log));
    const flaky = handler.network.connect(Transport.Ws, at.flaky, { reconnect: RECONNECT });
    await log.waitFor(isEvent("connected", "flaky", log));
    log.note("send(flaky-down)", handler.network.send(flaky, payloads.flakyDown));
    await log.waitFor(isEvent("reconnecting", "flaky", log));
    log.note("isReady while away", handler.network.isReady(flaky.id));
    log.note("send while away", handler.network.send(flaky, payloads.held));
    await log.waitFor(isEvent("reconnecting", "flaky", log), 3);
    log.note("send(flaky-up)", handler.network.send(control, payloads.flakyUp));
    await log.waitFor(isEvent("message", "control", log));
    const back = await log.waitFor(isEvent("reconnected", "flaky", log));
    log.note("reconnected carries the endpoint connect returned", back.endpoint === flaky);
    log.note("isReady once back", handler.network.isReady(flaky.id));
    await log.waitFor(isEvent("message", "flaky", log));
  },

  /** Refused before the first link: reconnecting 2, 3 and 4, then connected when it listens again. */
  async "reconnect-before-first-link"({ handler, log, at }) {
    const control = await handler.network.connectAsync(Transport.Ws, at.control);
    await log.waitFor(isEvent("connected", "control", log));
    const first = await handler.network.connectAsync(Transport.Ws, at.flaky);
    await log.waitFor(isEvent("connected", "flaky", log));
    log.note("send(flaky-down)", handler.network.send(first, payloads.flakyDown));
    await log.waitFor(isEvent("disconnected", "flaky", log));
    const flaky = handler.network.connect(Transport.Ws, at.flaky, { reconnect: RECONNECT });
    log.note("send before the first link", handler.network.send(flaky, payloads.held));
    await log.waitFor(isEvent("reconnecting", "flaky", log), 3);
    log.note("send(flaky-up)", handler.network.send(control, payloads.flakyUp));
    await log.waitFor(isEvent("message", "control", log));
    await log.waitFor(isEvent("connected", "flaky", log), 2);
    await log.waitFor(isEvent("message", "flaky", log));
  },

  /** A server that accepts TCP and never answers: each attempt's `timeout` fires, until maxAttempts. */
  async "reconnect-silent-peer"({ handler, log, at }) {
    handler.network.connect(Transport.Ws, at.silent, { timeout: 100, reconnect: { ...RECONNECT, maxAttempts: 3 } });
    await log.waitFor(isEvent("connected", "silent", log));
  },

  /** `remove` during a wait: true, and nothing of it follows, not even the attempt it waited for. */
  async "reconnect-remove-during-wait"({ handler, log, at }) {
    const endpoint = handler.network.connect(Transport.Ws, at.dead, { reconnect: RECONNECT });
    await log.waitFor(isEvent("reconnecting", "dead", log));
    log.note("remove", handler.network.remove(endpoint.id));
    log.note("isReady after remove", handler.network.isReady(endpoint.id));
    // Six times the delay it was waiting for.
    handler.signals.sendWithTimer("waited", 300);
    await log.waitFor(isSignal("waited"));
  },
  ...typedScenarios,
  ...identityScenarios,
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof scenarios;
export const scenarioNames = Object.keys(scenarios) as ScenarioName[];

/** Scenarios whose events are read through `enqueue()`, or not at all, instead of a recording `forEach`. */
const notFollowed: ReadonlySet<ScenarioName> = new Set(["enqueue-polling", "unsupported-transports"]);

/**
 * Runs one scenario on a fresh node and stops it. Never throws: a failure becomes the log's last
 * line, so it shows in the comparison with the expected log.
 */
export async function runScenario(
  name: ScenarioName,
  platform: ScenarioPlatform,
  at: ScenarioAddresses,
): Promise<ScenarioResult> {
  const codec = scenarioCodecs[name]?.();
  const { handler, listener } = codec === undefined ? platform.split<string>() : platform.split<string, any>({ codec });
  const log = new ScenarioLog<string>(at);
  const followed = notFollowed.has(name) ? undefined : log.follow(listener);
  try {
    await scenarios[name]({ handler, listener, log, at, platform });
  } catch (error) {
    log.lines.push(`scenario failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    handler.stop();
    await followed;
  }
  return log.result();
}
