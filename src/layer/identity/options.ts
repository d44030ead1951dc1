import type { Peer } from "../../events.js";

/** `split({ identity })`: this node's id, its hello, and who it accepts (LAYERS.md section 2). */
export interface IdentityOptions<M = Uint8Array> {
  /** This node's id: 1-255 bytes of UTF-8. */
  id: string;
  /** Sent to every peer first, encoded by the node's codec. */
  hello?: M;
  /**
   * Decides whether to accept a peer: `true` accepts; `false` or a string (the reason) refuses;
   * throwing or rejecting refuses with the error's message. Default: accept all.
   */
  accept?: (peer: Peer<M>) => boolean | string | PromiseLike<boolean | string>;
  /** The handshake's deadline in ms. Default 10 000. */
  timeout?: number;
  /** Ping each peer every this many ms: measures `rtt`, and ends a peer silent for two intervals. */
  ping?: number;
}
