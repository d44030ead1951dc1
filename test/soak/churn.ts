/**
 * The soak's connection churn: short connections that open, exchange a few messages, check the
 * echoes and close; and a sprinkle of hostile sockets (resets, garbage) that must not disturb
 * anything else.
 */
import net from "node:net";
import { type Endpoint, type NetworkController, parseHostPort, type Transport } from "message-io";

/** Routes the client node's events for churn connections to the waiting round. */
export class ChurnRouter {
  private readonly waiting = new Map<string, (data: Uint8Array) => void>();

  /** The message handler for `endpoint`, if a churn round waits on it. */
  handle(endpoint: Endpoint, data: Uint8Array): boolean {
    const waiter = this.waiting.get(endpoint.key);
    if (waiter === undefined) return false;
    waiter(data);
    return true;
  }

  /** Sends `count` messages on `endpoint` and resolves when as many echoes came back, intact. */
  exchange(network: NetworkController, endpoint: Endpoint, count: number, ms: number): Promise<void> {
    const expected = Array.from({ length: count }, (_, i) => `churn ${endpoint.key} #${i}`).join("");
    let received = "";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(endpoint.key);
        reject(new Error(`${endpoint.key}: ${received.length}/${expected.length} bytes echoed within ${ms} ms`));
      }, ms);
      this.waiting.set(endpoint.key, (data) => {
        received += new TextDecoder().decode(data);
        if (received.length < expected.length) return;
        clearTimeout(timer);
        this.waiting.delete(endpoint.key);
        if (received === expected) resolve();
        else reject(new Error(`${endpoint.key}: the echo differs`));
      });
      for (let i = 0; i < count; i++) network.send(endpoint, `churn ${endpoint.key} #${i}`);
    });
  }
}

/** Opens a connection, exchanges `count` messages and removes it. */
export async function churnOnce(
  network: NetworkController,
  router: ChurnRouter,
  transport: Transport,
  remote: string,
  count: number,
): Promise<void> {
  const endpoint = await network.connectAsync(transport, remote);
  try {
    await router.exchange(network, endpoint, count, 10_000);
  } finally {
    network.remove(endpoint.id);
  }
}

/** One udp exchange: datagrams may be lost, so it counts an answer if one comes, and never fails. */
export async function udpChurnOnce(network: NetworkController, router: ChurnRouter, remote: string): Promise<boolean> {
  const endpoint = await network.connectAsync("udp", remote);
  try {
    await router.exchange(network, endpoint, 1, 1_000);
    return true;
  } catch {
    return false;
  } finally {
    network.remove(endpoint.id);
  }
}

/** A hostile socket: resets at once, or sends garbage the wire format refuses, then closes. */
export function hostileSocket(addr: string, kind: "reset" | "garbage"): Promise<void> {
  const { host, port } = parseHostPort(addr);
  const socket = net.connect({ host, port });
  socket.on("error", () => {});
  socket.resume();
  socket.once("connect", () => {
    if (kind === "reset") socket.resetAndDestroy();
    else socket.end(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
  });
  // Bounded: a socket the server never closes is cut after 5 s.
  const cut = setTimeout(() => socket.destroy(), 5_000);
  return new Promise((resolve) =>
    socket.once("close", () => {
      clearTimeout(cut);
      resolve();
    }),
  );
}
