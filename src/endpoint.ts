import type { ResourceId } from "./resource-id.js";

/**
 * Where a message comes from or goes to: a resource id and the peer's address.
 *
 * A connection's endpoint is one object for its whole life (the one `connect()` returned, the one in
 * every event), so it works as a `Map` key. UDP listener endpoints are made per datagram: they share
 * the listener's id and differ by `addr`, so compare them by `key`.
 */
export class Endpoint {
  /** Made on first use: most connections never need it (80 bytes each, measured by heap snapshot). */
  private cachedKey: string | undefined;

  constructor(
    readonly id: ResourceId,
    readonly addr: string,
  ) {}

  /** Equal for equal endpoints of every transport: use it as a key where objects may differ. */
  get key(): string {
    if (this.cachedKey === undefined) this.cachedKey = `${this.id}@${this.addr}`;
    return this.cachedKey;
  }

  /** An endpoint through which a UDP listener sends to any address (`"ip:port"`). */
  static fromListener(id: ResourceId, addr: string): Endpoint {
    return new Endpoint(id, addr);
  }

  toString(): string {
    return this.key;
  }
}
