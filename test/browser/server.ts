/**
 * The Node server the cross-platform scenarios talk to, made with the library itself: one node
 * with `ws` listeners in the roles of `ScenarioAddresses` (log.ts).
 */
import { type ResourceId, split, Transport } from "message-io/node";
import { startIdentityRoles } from "./identity-server.js";
import { type Role, type ScenarioAddresses, STRICT_MAX_MESSAGE_SIZE } from "./log.js";

const LOCAL = "127.0.0.1:0";
const REMOVE_COMMAND = "echo-then-remove";
const utf8 = new TextDecoder();

export interface ScenarioServer {
  readonly addresses: ScenarioAddresses;
  /** Stops the server's node; resolves once its listener settled. */
  stop(): Promise<void>;
}

export async function startScenarioServer(): Promise<ScenarioServer> {
  const { handler, listener } = split();
  const network = handler.network;
  const identityRoles = await startIdentityRoles();
  try {
    const echo = await network.listen(Transport.Ws, LOCAL);
    const control = await network.listen(Transport.Ws, LOCAL);
    const strict = await network.listen(Transport.Ws, LOCAL, { maxMessageSize: STRICT_MAX_MESSAGE_SIZE });
    const guarded = await network.listen(Transport.Ws, LOCAL, { path: "/only-here" });
    // A port just freed: nothing listens on it (ports are picked at random, so it stays free).
    const freed = await network.listen(Transport.Tcp, LOCAL);
    network.remove(freed.id);

    const roleOfListener = new Map<ResourceId, Role>([
      [echo.id, "echo"],
      [control.id, "control"],
      [strict.id, "strict"],
      [guarded.id, "guarded"],
    ]);
    /** The role of each accepted connection, by endpoint key. */
    const roleOfPeer = new Map<string, Role>();
    const done = listener.forEach((event) => {
      switch (event.type) {
        case "accepted":
          roleOfPeer.set(event.endpoint.key, roleOfListener.get(event.listener) ?? "echo");
          break;
        case "message":
          network.send(event.endpoint, event.data);
          if (roleOfPeer.get(event.endpoint.key) === "control" && utf8.decode(event.data) === REMOVE_COMMAND) {
            network.remove(event.endpoint.id);
          }
          break;
        case "disconnected":
          roleOfPeer.delete(event.endpoint.key);
          break;
      }
    });
    return {
      addresses: {
        echo: echo.addr,
        control: control.addr,
        strict: strict.addr,
        guarded: guarded.addr,
        dead: freed.addr,
        ...identityRoles.addresses,
      },
      stop: async () => {
        handler.stop();
        await Promise.all([done, identityRoles.stop()]);
      },
    };
  } catch (error) {
    handler.stop();
    await identityRoles.stop();
    throw error;
  }
}
