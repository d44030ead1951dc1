/**
 * Groups (LAYERS.md section 5): named sets of this node's connections, for broadcasting. A group
 * message is encoded once and the same bytes are handed to every member; with a cluster listener
 * it also goes, once, to every other node of the cluster, which hands it to its own members.
 */
import type { Driver } from "../driver.js";
import type { Endpoint } from "../endpoint.js";
import { ErrorCode, NetError } from "../errors.js";
import { SendStatus } from "../events.js";
import { transportOf } from "../resource-id.js";
import { RemoteResource } from "../resources.js";
import { Transport } from "../transport.js";

/** `groups.send`'s options. */
export interface GroupSendOptions {
  /** Members that must not receive this message (the sender of a chat line, say). */
  except?: Endpoint | readonly Endpoint[];
  /**
   * `true`: this node's members only, even with a cluster listener. For groups whose members are
   * all on this process (a room), so their traffic never goes through Redis.
   */
  local?: boolean;
}

/** `handler.groups`: named sets of this node's connections. */
export interface GroupController<M> {
  /** Adds a live connection of this node to `group`: `false` when it is already a member, or is not one. */
  join(group: string, endpoint: Endpoint): boolean;
  /** Takes `endpoint` out of `group`: `false` when it was not a member. */
  leave(group: string, endpoint: Endpoint): boolean;
  /** This node's members of `group`, in the order they joined (empty for an unknown group). */
  members(group: string): readonly Endpoint[];
  /**
   * Encodes `message` once and hands it to every member but `except`; with a cluster listener, to
   * the group's members on every other node too. Returns how many of this node's members it was
   * handed to (`queued` ones included).
   */
  send(group: string, message: M, options?: GroupSendOptions): number;
}

/** What groups need from the node's network: its encoder and a send of bytes already encoded. */
export interface EncodedSender<M> {
  encode(message: M): Uint8Array;
  sendEncoded(endpoint: Endpoint, bytes: Uint8Array): SendStatus;
}

const noMembers: readonly Endpoint[] = Object.freeze([]);

/** @internal The controller behind `handler.groups`. */
export class Groups<M> implements GroupController<M> {
  /** Members by group, in joining order (a `Set` keeps it and removes in O(1)). */
  private readonly groups = new Map<string, Set<Endpoint>>();
  /** Groups by member, to leave them all when the member goes. */
  private readonly memberships = new Map<Endpoint, Set<string>>();

  constructor(
    private readonly network: EncodedSender<M>,
    private readonly driver: Driver<unknown>,
  ) {
    // Another node's group message, through the cluster listener: the bytes are already encoded.
    driver.onPublished = (group, data) => this.deliver(group, data, undefined);
  }

  join(group: string, endpoint: Endpoint): boolean {
    checkGroup(group);
    const resource = this.driver.resources.get(endpoint?.id);
    // Groups hold this node's own connections: not a listener, not another node of the cluster.
    if (!(resource instanceof RemoteResource) || resource.state !== "ready") return false;
    if (transportOf(resource.id) === Transport.Cluster) return false;
    endpoint = resource.endpoint as Endpoint; // the connection's one object, whatever the caller built
    let members = this.groups.get(group);
    if (members === undefined) {
      members = new Set();
      this.groups.set(group, members);
    } else if (members.has(endpoint)) return false;
    members.add(endpoint);
    let joined = this.memberships.get(endpoint);
    if (joined === undefined) {
      joined = new Set();
      this.memberships.set(endpoint, joined);
    }
    joined.add(group);
    // Only nodes that use groups pay for the driver's call when a connection goes.
    this.driver.onGone = this.forget;
    return true;
  }

  leave(group: string, endpoint: Endpoint): boolean {
    endpoint = this.canonical(endpoint);
    const members = this.groups.get(group);
    if (members === undefined || !members.delete(endpoint)) return false;
    if (members.size === 0) this.groups.delete(group);
    const joined = this.memberships.get(endpoint);
    joined?.delete(group);
    if (joined?.size === 0) this.memberships.delete(endpoint);
    return true;
  }

  members(group: string): readonly Endpoint[] {
    const members = this.groups.get(group);
    return members === undefined ? noMembers : [...members];
  }

  send(group: string, message: M, options?: GroupSendOptions): number {
    checkGroup(group);
    const bytes = this.network.encode(message); // once for the whole group, whatever its size
    const count = this.deliver(group, bytes, options?.except);
    const cluster = this.driver.cluster;
    if (cluster !== undefined && options?.local !== true && bytes.length <= cluster.limits.maxMessageSize) {
      cluster.handle?.publish?.(group, bytes);
    }
    return count;
  }

  private canonical(endpoint: Endpoint): Endpoint {
    const resource = this.driver.resources.get(endpoint?.id);
    return resource instanceof RemoteResource && resource.endpoint !== undefined ? resource.endpoint : endpoint;
  }

  /** Hands `bytes` to this node's members of `group`: how many took them. */
  private deliver(group: string, bytes: Uint8Array, except: GroupSendOptions["except"]): number {
    const members = this.groups.get(group);
    if (members === undefined) return 0;
    let count = 0;
    for (const endpoint of members) {
      if (except !== undefined && isExcepted(endpoint, except)) continue;
      const status = this.network.sendEncoded(endpoint, bytes);
      if (status === SendStatus.Sent || status === SendStatus.Queued) count += 1;
    }
    return count;
  }

  /** The driver's hook: a connection was disconnected or removed, so it leaves every group. */
  private readonly forget = (endpoint: Endpoint): void => {
    const joined = this.memberships.get(endpoint);
    if (joined === undefined) return;
    this.memberships.delete(endpoint);
    for (const group of joined) {
      const members = this.groups.get(group);
      if (members === undefined) continue;
      members.delete(endpoint);
      if (members.size === 0) this.groups.delete(group);
    }
  };
}

/** By id: a connection's endpoint is one object, but the caller may hold an equal copy. */
function isExcepted(endpoint: Endpoint, except: Endpoint | readonly Endpoint[]): boolean {
  if (!Array.isArray(except)) return (except as Endpoint).id === endpoint.id;
  for (const other of except as readonly Endpoint[]) if (other.id === endpoint.id) return true;
  return false;
}

function checkGroup(group: unknown): void {
  if (typeof group !== "string") {
    throw new NetError(ErrorCode.InvalidArgument, `a group's name is a string, not ${typeof group}`);
  }
}
