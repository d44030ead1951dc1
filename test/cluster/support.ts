/** Cluster nodes on a real Redis for the cluster tests, recorded and stopped after each test. */
import { type ClusterListenOptions, type Endpoint, type NodeEvent, Transport } from "message-io";
import { type Recorder, recordedNode } from "../support/recorder.js";
import type { RedisServer } from "../support/redis.js";

export interface ClusterNode {
  readonly node: Recorder;
  readonly listener: number;
  /** The endpoint of another node here, once it appeared (`accepted` with `addr` = its id). */
  peer(id: string, ms?: number): Promise<Endpoint>;
}

/** Short enough that a test sees a silent node leave quickly, long enough for a loaded machine. */
export const PRESENCE = 1_500;

export async function clusterNode(
  redis: RedisServer | string,
  options: ClusterListenOptions = {},
  onEvent?: (event: NodeEvent<never>) => void,
): Promise<ClusterNode> {
  const node = recordedNode(onEvent);
  const url = typeof redis === "string" ? redis : redis.url;
  const { id } = await node.network.listen(Transport.Cluster, url, { presenceTimeout: PRESENCE, ...options });
  return {
    node,
    listener: id,
    peer: async (peerId, ms) => {
      const event = await node.waitFor((e) => e.type === "accepted" && e.endpoint.addr === peerId, ms);
      return (event as Extract<NodeEvent<never>, { type: "accepted" }>).endpoint;
    },
  };
}

/** The events of one node endpoint of `node`, by the other node's id, as `type[:code]` strings. */
export function historyOf(node: Recorder, id: string): string[] {
  return node.events
    .filter((e) => (e.type === "accepted" || e.type === "disconnected") && e.endpoint.addr === id)
    .map((e) => (e.type === "disconnected" && e.error ? `${e.type}:${e.error.code}` : e.type));
}

export const text = new TextDecoder();

type Accepted = Extract<NodeEvent<never>, { type: "accepted" }>;
export type Message = Extract<NodeEvent<never>, { type: "message" }>;

/** Matches `accepted` events whose address passes `test`. */
export const isAcceptedFrom =
  (test: (addr: string) => boolean) =>
  (event: NodeEvent<never>): event is Accepted =>
    event.type === "accepted" && test(event.endpoint.addr);
