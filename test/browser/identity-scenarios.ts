/**
 * Identity and the hello (LAYERS.md section 2) in the cross-platform scenarios: the same client
 * code in Node and in Chromium against the scenario server's `identity` and `mute` roles
 * (identity-server.ts). Each scenario makes its own node with `identity` and follows it in the log.
 */
import { msgpack, type NodeHandler, type NodeListener, type SplitOptions, Transport } from "message-io";
import { ACCEPTED_HELLO, SERVER_ID, TYPED_CLIENT_HELLO, TYPED_DOWN, TYPED_UP } from "./identity-constants.js";
import { isEvent, isSignal, type ScenarioAddresses, type ScenarioLog } from "./log.js";
import { RECONNECT, type ScenarioPlatform } from "./scenarios.js";
import { describeValue } from "./typed-scenarios.js";

export interface IdentityContext {
  readonly log: ScenarioLog<any>;
  readonly at: ScenarioAddresses;
  readonly platform: ScenarioPlatform;
}

const utf8 = new TextEncoder();
const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;

/** Runs `body` with a node made with `options` whose events the log follows, then stops it. */
async function withNode<M = Uint8Array>(
  { platform, log }: IdentityContext,
  options: SplitOptions<NoInfer<M>>,
  body: (handler: NodeHandler<string, M>) => Promise<void>,
): Promise<void> {
  // A node of bytes or, with `M` given and a codec, of messages: the log reads `data` either way.
  const { handler, listener } = platform.split<string, M>(options as SplitOptions<M> & { codec: never });
  const followed = log.follow(listener as unknown as NodeListener<string>);
  try {
    await body(handler);
  } finally {
    handler.stop();
    await followed;
  }
}

export const identityScenarios = {
  /** A hello the server refuses: `connected` ok=false, REJECTED, with the server's reason. */
  async "identity-refused"(context: IdentityContext) {
    const { log, at } = context;
    await withNode(context, { identity: { id: "old-client", hello: utf8.encode("v2") } }, async (handler) => {
      const endpoint = handler.network.connect(Transport.Ws, at.identity);
      log.note("send while handshaking", handler.network.send(endpoint, "x"));
      const failed = await log.waitFor(isEvent("connected", "identity", log));
      log.note("error code", codeOf(failed.error));
      log.note("error message", failed.error?.message);
      log.note("peers", handler.peers.ids().join(","));
    });
  },

  /** An accepted hello: the server's id on `connected`, `handler.peers`, and messages both ways. */
  async "identity-accepted"(context: IdentityContext) {
    const { log, at } = context;
    await withNode(context, { identity: { id: "client", hello: utf8.encode(ACCEPTED_HELLO) } }, async (handler) => {
      const endpoint = handler.network.connect(Transport.Ws, at.identity);
      const connected = await log.waitFor(isEvent("connected", "identity", log));
      log.note("peer id", connected.ok ? connected.peer?.id : undefined);
      log.note("peers.endpoint is the connection", handler.peers.endpoint(SERVER_ID) === endpoint);
      log.note("peers.send", handler.peers.send(SERVER_ID, "by id"));
      await log.waitFor(isEvent("message", "identity", log));
    });
  },

  /** The same peer id connects again: the older connection ends REPLACED (a reloaded tab). */
  async "identity-replaced"(context: IdentityContext) {
    const { log, at, platform } = context;
    const identity = { id: "player-7", hello: utf8.encode(ACCEPTED_HELLO) };
    const tab2 = platform.split({ identity });
    try {
      await withNode(context, { identity }, async (tab1) => {
        const older = tab1.network.connect(Transport.Ws, at.identity);
        await log.waitFor(isEvent("connected", "identity", log));
        const newer = tab2.handler.network.connectAsync(Transport.Ws, at.identity);
        const gone = await log.waitFor(isEvent("disconnected", "identity", log));
        log.note("the older connection ended", gone.endpoint === older);
        log.note("disconnected code", codeOf(gone.error));
        log.note("the newer connection is ready", tab2.handler.network.isReady((await newer).id));
      });
    } finally {
      tab2.handler.stop();
    }
  },

  /** A client with `ping` against a server that answers: still connected after many intervals, and `rtt` measured. */
  async "identity-pings"(context: IdentityContext) {
    const { log, at } = context;
    await withNode(
      context,
      // 250 ms: a peer silent for two intervals is ended, and a loaded machine can stall for 100 ms.
      { identity: { id: "pinger", ping: 250, hello: utf8.encode(ACCEPTED_HELLO) } },
      async (handler) => {
        const endpoint = handler.network.connect(Transport.Ws, at.identity);
        await log.waitFor(isEvent("connected", "identity", log));
        handler.signals.sendWithTimer("eight intervals later", 2000);
        await log.waitFor(isSignal("eight intervals later"));
        log.note("still connected", handler.network.isReady(endpoint.id));
        const rtt = handler.network.stats(endpoint)?.rtt;
        log.note("stats rtt > 0", typeof rtt === "number" && rtt > 0);
      },
    );
  },

  /**
   * Reconnect, identity and msgpack together: typed hellos both ways, the typed server goes away
   * with the link and comes back before attempt 3; typed messages sent meanwhile are held, leave
   * after the handshake and arrive decoded in order; `reconnected` carries the peer; counts stay.
   */
  async "identity-typed-reconnect"(context: IdentityContext) {
    const { log, at, platform } = context;
    // The control server speaks bytes without a hello: a node without identity talks to it.
    const controller = platform.split<string>();
    const controllerFollowed = log.follow(controller.listener);
    const identity = { id: "typed-client", hello: TYPED_CLIENT_HELLO };
    try {
      const control = await controller.handler.network.connectAsync(Transport.Ws, at.control);
      await log.waitFor(isEvent("connected", "control", log));
      await withNode<unknown>(context, { codec: msgpack(), identity }, async (handler) => {
        const network = handler.network;
        const typed = network.connect(Transport.Ws, at.typed, { reconnect: RECONNECT });
        const connected = await log.waitFor(isEvent("connected", "typed", log));
        log.note("peer", connected.ok ? describeValue(connected.peer) : undefined);
        log.note("send(first)", network.send(typed, { t: "chat", text: "first" }));
        log.note("echo decodes to", describeValue((await log.waitFor(isEvent("message", "typed", log))).message));

        log.note("send(down)", network.send(typed, TYPED_DOWN));
        await log.waitFor(isEvent("reconnecting", "typed", log));
        log.note("isReady while away", network.isReady(typed.id));
        for (const n of [1, 2]) log.note(`send(held ${n})`, network.send(typed, { t: "move", n, at: new Date(n) }));
        log.note("peers while away", handler.peers.ids().join(","));
        await log.waitFor(isEvent("reconnecting", "typed", log), 3);
        log.note("send(typed-up)", controller.handler.network.send(control, TYPED_UP));
        await log.waitFor(isEvent("message", "control", log));
        const back = await log.waitFor(isEvent("reconnected", "typed", log));
        log.note("reconnected peer", describeValue(back.peer));
        log.note("peers.endpoint is the connection", handler.peers.endpoint(SERVER_ID) === typed);
        // The first echo was message 1; both held ones are in before the log notes what they decode to.
        const echoes = [await log.waitFor(isEvent("message", "typed", log), 2)];
        echoes.push(await log.waitFor(isEvent("message", "typed", log), 3));
        for (const [i, echo] of echoes.entries())
          log.note(`held echo ${i + 1} decodes to`, describeValue(echo.message));
        const stats = network.stats(typed);
        log.note("stats: messages sent, received", `${stats?.messagesSent}, ${stats?.messagesReceived}`);
      });
    } finally {
      controller.handler.stop();
      await controllerFollowed;
    }
  },

  /** A server that stops answering pings: a client with `ping` ends it with ETIMEDOUT. */
  async "identity-dead-server"(context: IdentityContext) {
    const { log, at } = context;
    await withNode(context, { identity: { id: "pinger", ping: 100 } }, async (handler) => {
      handler.network.connect(Transport.Ws, at.mute);
      await log.waitFor(isEvent("connected", "mute", log));
      const gone = await log.waitFor(isEvent("disconnected", "mute", log));
      log.note("disconnected code", codeOf(gone.error));
    });
  },
};
