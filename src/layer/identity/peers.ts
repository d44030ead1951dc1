/**
 * `handler.peers`: the live connections of a node with `identity`, by peer id. The driver tells it
 * when a connection with a peer becomes ready and when it ends (its `peers` hook).
 */
import type { Endpoint } from "../../endpoint.js";
import type { SendStatus } from "../../events.js";
import { SendStatus as Status } from "../../events.js";
import type { SendData } from "../../network.js";
import type { ResourceId } from "../../resource-id.js";

/** `handler.peers` (LAYERS.md section 2). `M` is what `send` takes: the node's messages. */
export interface Peers<M = SendData> {
  /** The newest live connection of peer `id`, or `undefined`. */
  endpoint(id: string): Endpoint | undefined;
  /** The ids of the peers with at least one live connection, in the order they first connected. */
  ids(): string[];
  /** Sends to the newest live connection of peer `id`: `not-found` when it has none. */
  send(id: string, message: M): SendStatus;
}

/** What the driver reports (see `Driver.peers`). */
export interface PeerTracker {
  /** A connection with `peer` became ready (`connected`) or was accepted. */
  added(peerId: string, endpoint: Endpoint): void;
  /** A connection ended or was removed (whether it had a peer or not). */
  removed(resource: ResourceId): void;
}

export class PeerRegistry<M> implements Peers<M>, PeerTracker {
  /** Each peer's live connections, oldest first. */
  private readonly byPeer = new Map<string, Endpoint[]>();
  private readonly peerOf = new Map<ResourceId, string>();

  constructor(private readonly sendTo: (endpoint: Endpoint, message: M) => SendStatus) {}

  endpoint(id: string): Endpoint | undefined {
    return this.byPeer.get(id)?.at(-1);
  }

  ids(): string[] {
    return [...this.byPeer.keys()];
  }

  send(id: string, message: M): SendStatus {
    const endpoint = this.endpoint(id);
    return endpoint === undefined ? Status.ResourceNotFound : this.sendTo(endpoint, message);
  }

  added(peerId: string, endpoint: Endpoint): void {
    this.peerOf.set(endpoint.id, peerId);
    const endpoints = this.byPeer.get(peerId);
    if (endpoints === undefined) this.byPeer.set(peerId, [endpoint]);
    else endpoints.push(endpoint);
  }

  removed(resource: ResourceId): void {
    const peerId = this.peerOf.get(resource);
    if (peerId === undefined) return;
    this.peerOf.delete(resource);
    const endpoints = this.byPeer.get(peerId) ?? [];
    const left = endpoints.filter((endpoint) => endpoint.id !== resource);
    if (left.length === 0) this.byPeer.delete(peerId);
    else this.byPeer.set(peerId, left);
  }
}
