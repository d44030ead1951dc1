/**
 * A TCP proxy in front of a server, for links that fail in the middle: one cut after a number of
 * bytes (a cable pulled mid-message: both ends see the connection end), or frozen (packets dropped
 * on a path that stays up, as behind a stalled middlebox or a SIGSTOPped relay: neither end sees
 * anything, and only a ping can tell). New links through the proxy are forwarded normally.
 */
import net from "node:net";
import { parseHostPort } from "message-io";

const proxies: LinkProxy[] = [];

/** Closes every proxy started by the test: call it after each test. */
export async function closeProxies(): Promise<void> {
  for (const proxy of proxies.splice(0)) await proxy.close();
}

interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  frozen: boolean;
}

export class LinkProxy {
  /** Bytes still allowed server-to-client (or client-to-server) before the cut; `Infinity`: no cut armed. */
  cutDown = Number.POSITIVE_INFINITY;
  cutUp = Number.POSITIVE_INFINITY;
  cuts = 0;
  /** Links opened through the proxy so far. */
  opened = 0;
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: net.Server,
    readonly addr: string,
  ) {}

  static async start(target: string): Promise<LinkProxy> {
    const { host, port } = parseHostPort(target);
    let proxy: LinkProxy | undefined;
    const server = net.createServer((client) => {
      const self = proxy as LinkProxy;
      const link: Link = { client, upstream: net.connect({ host, port }), frozen: false };
      self.opened += 1;
      self.links.add(link);
      for (const socket of [link.client, link.upstream]) {
        socket.on("error", () => {});
        socket.on("close", () => {
          // A frozen path tells neither end that the other went away.
          if (link.frozen) return;
          self.links.delete(link);
          link.client.destroy();
          link.upstream.destroy();
        });
      }
      self.forward(link, link.upstream, link.client, "cutDown");
      self.forward(link, link.client, link.upstream, "cutUp");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new LinkProxy(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    proxies.push(proxy);
    return proxy;
  }

  /** Every link open now drops all it carries from here on, both ways, and never closes; new links pass. */
  freeze(): void {
    for (const link of this.links) link.frozen = true;
  }

  private forward(link: Link, from: net.Socket, to: net.Socket, budget: "cutDown" | "cutUp"): void {
    from.on("data", (chunk: Buffer) => {
      if (link.frozen) return;
      const allowed = this[budget];
      if (chunk.length < allowed) {
        this[budget] = allowed - chunk.length;
        to.write(chunk);
        return;
      }
      this[budget] = Number.POSITIVE_INFINITY; // one cut per arming
      this.cuts += 1;
      to.write(chunk.subarray(0, allowed), () => {
        from.destroy();
        to.destroy();
      });
    });
  }

  close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
