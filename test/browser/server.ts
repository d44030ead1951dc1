/**
 * The Node server the cross-platform scenarios talk to, made with the library itself: one node
 * with `ws` listeners in the roles of `ScenarioAddresses` (log.ts).
 */
import net from "node:net";
import { type ResourceId, split, Transport } from "message-io/node";
import { TYPED_UP } from "./identity-constants.js";
import { startIdentityRoles } from "./identity-server.js";
import { type Role, type ScenarioAddresses, STRICT_MAX_MESSAGE_SIZE } from "./log.js";

const LOCAL = "127.0.0.1:0";
const REMOVE_COMMAND = "echo-then-remove";
/** Sent on a `flaky` connection: the flaky listener and its connections go away. */
const FLAKY_DOWN = "flaky-down";
/** Sent on a `control` connection: the flaky listener comes back, then the command is echoed. */
const FLAKY_UP = "flaky-up";
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
    let flaky = await network.listen(Transport.Ws, LOCAL);
    const silent = await silentServer();

    const roleOfListener = new Map<ResourceId, Role>([
      [echo.id, "echo"],
      [control.id, "control"],
      [strict.id, "strict"],
      [guarded.id, "guarded"],
      [flaky.id, "flaky"],
    ]);
    /** The role of each accepted connection, by endpoint key. */
    const roleOfPeer = new Map<string, Role>();
    /** The connections each role's listener accepted, to take the flaky ones down. */
    const peersOf = (role: Role) => [...roleOfPeer].filter(([, r]) => r === role).map(([key]) => key);
    const idOfKey = new Map<string, ResourceId>();
    let flakyUp = true;
    const done = listener.forEach(async (event) => {
      switch (event.type) {
        case "accepted":
          roleOfPeer.set(event.endpoint.key, roleOfListener.get(event.listener) ?? "echo");
          idOfKey.set(event.endpoint.key, event.endpoint.id);
          break;
        case "message": {
          const role = roleOfPeer.get(event.endpoint.key);
          const command = event.data.length < 32 ? utf8.decode(event.data) : "";
          if (role === "flaky" && command === FLAKY_DOWN) {
            network.remove(flaky.id);
            flakyUp = false;
            for (const key of peersOf("flaky")) {
              network.remove(idOfKey.get(key) as ResourceId);
              roleOfPeer.delete(key);
            }
            break;
          }
          if (role === "control" && command === TYPED_UP) await identityRoles.bringTypedBack();
          if (role === "control" && command === FLAKY_UP && !flakyUp) {
            flaky = await network.listen(Transport.Ws, flaky.addr); // the same port, free again
            roleOfListener.set(flaky.id, "flaky");
            flakyUp = true;
          }
          network.send(event.endpoint, event.data);
          if (role === "control" && command === REMOVE_COMMAND) {
            network.remove(event.endpoint.id);
          }
          break;
        }
        case "disconnected":
          roleOfPeer.delete(event.endpoint.key);
          idOfKey.delete(event.endpoint.key);
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
        flaky: flaky.addr,
        silent: silent.addr,
        ...identityRoles.addresses,
      },
      stop: async () => {
        handler.stop();
        silent.close();
        await Promise.all([done, identityRoles.stop()]);
      },
    };
  } catch (error) {
    handler.stop();
    await identityRoles.stop();
    throw error;
  }
}

/** A raw TCP server that accepts and never answers (nor reads): a WebSocket handshake there waits forever. */
async function silentServer(): Promise<{ addr: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    addr: `127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
