/**
 * `Transport.Cluster` (LAYERS.md section 6): server processes that meet through Redis. The Redis
 * client (node-redis) is loaded on the first cluster `listen`, so a program without a cluster
 * never loads it. No `connect`: nodes meet through the listener (`UNSUPPORTED_TRANSPORT`).
 */
import { type Adapter, type ClusterListenOptions, Transport, transportInfo } from "../../src/index.js";

export const clusterAdapter: Adapter<never, ClusterListenOptions> = {
  transport: Transport.Cluster,
  info: transportInfo(Transport.Cluster),
  async listen(request) {
    const { listenCluster } = await import("./cluster-listener.js");
    return listenCluster(request);
  },
};
