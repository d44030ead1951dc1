/**
 * Identity and the hello (LAYERS.md section 2) in the cross-platform scenarios: the same client
 * code in Node and in Chromium against the scenario server's `identity` and `mute` roles
 * (identity-server.ts). Each scenario makes its own node with `identity` and follows it in the log.
 */
import { type NodeHandler, type SplitOptions, Transport } from "message-io";
import { ACCEPTED_HELLO, SERVER_ID } from "./identity-constants.js";
import { isEvent, isSignal, type ScenarioLog } from "./log.js";
import type { ScenarioPlatform } from "./scenarios.js";

export interface IdentityContext {
  readonly log: ScenarioLog<any>;
  readonly at: { readonly identity: string; readonly mute: string };
  readonly platform: ScenarioPlatform;
}

const utf8 = new TextEncoder();
const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;

/** Runs `body` with a node made with `options` whose events the log follows, then stops it. */
async function withNode(
  { platform, log }: IdentityContext,
  options: Omit<SplitOptions, "codec">,
  body: (handler: NodeHandler<string>) => Promise<void>,
): Promise<void> {
  const { handler, listener } = platform.split<string>(options);
  const followed = log.follow(listener);
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

  /**
   * A client with `ping` against a server that answers: still connected after many intervals.
   * (Once `stats` is merged (LAYERS.md section 3), `stats(endpoint).rtt` is measured here too.)
   */
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
      },
    );
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
