/**
 * Two network namespaces joined by a veth pair, made by a test and removed after it: a private
 * link whose cable can be cut (the peer's end set down), so that a peer vanishes without a FIN or
 * a RST, as a host does when it loses power or its network. Needs root and `ip` (iproute2); no
 * traffic leaves the two namespaces.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export class LinkPair {
  private constructor(
    /** The namespace on side a, whose address is `addressA`. */
    readonly a: string,
    readonly b: string,
    readonly addressA: string,
    readonly addressB: string,
  ) {}

  /** Creates `<prefix>-a` and `<prefix>-b` joined by a veth pair on 10.231.N.0/30. */
  static async create(prefix: string, subnet: number): Promise<LinkPair> {
    const pair = new LinkPair(`${prefix}-a`, `${prefix}-b`, `10.231.${subnet}.1`, `10.231.${subnet}.2`);
    await pair.remove(); // leftovers of an earlier run killed half-way
    try {
      await ip("netns", "add", pair.a);
      await ip("netns", "add", pair.b);
      // Created inside a, its peer moved to b: nothing is ever added to the test machine's own namespace.
      await ip("-n", pair.a, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns", pair.b);
      for (const [ns, dev, address] of [
        [pair.a, "veth-a", pair.addressA],
        [pair.b, "veth-b", pair.addressB],
      ] as const) {
        await ip("-n", ns, "addr", "add", `${address}/30`, "dev", dev);
        await ip("-n", ns, "link", "set", dev, "up");
        await ip("-n", ns, "link", "set", "lo", "up");
      }
    } catch (error) {
      await pair.remove();
      throw new Error(`cannot create network namespaces (root and iproute2 are needed): ${String(error)}`, {
        cause: error,
      });
    }
    return pair;
  }

  /** Cuts the cable at b's end: b's packets go nowhere and a's reach nobody. Nothing is sent. */
  async cut(): Promise<void> {
    await ip("-n", this.b, "link", "set", "veth-b", "down");
  }

  async remove(): Promise<void> {
    for (const ns of [this.a, this.b]) await ip("netns", "del", ns).catch(() => {});
  }
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args);
}
