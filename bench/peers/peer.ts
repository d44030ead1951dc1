/**
 * What a benchmark needs from one implementation (the library, the raw Node baseline, socket.io):
 * a server that counts or echoes, and a client link. The measuring code is written once over this,
 * so the library and its baseline run exactly the same loops.
 */
export type BenchTransport = "tcp" | "framed-tcp" | "udp" | "ws";

/**
 * `sink` counts what arrives; `echo` answers every message with the same bytes. A udp sink also
 * answers every message whose first byte is `ACK_REQUEST` with `ACK`: the sender's flow control.
 */
export type ServerKind = "sink" | "echo";

/**
 * The udp receive and send buffers of the library and the best raw code (`recvBufferSize`,
 * `sendBufferSize`; 4 MiB is `net.core.rmem_max` here): a window of large datagrams needs them.
 * The naive baseline keeps the default (about 208 KiB).
 */
export const UDP_BUFFER = 4 << 20;
export const UDP_DEFAULT_BUFFER = 200_000;

export const ACK_REQUEST = 1;
export const ACK = new Uint8Array([2]);

export interface BenchServer {
  readonly addr: string;
  close(): void;
}

export interface Link {
  send(data: Uint8Array): void;
  /** Bytes sent but not yet handed to the operating system (the backpressure signal). */
  pending(): number;
  close(): void;
}

export interface Peer {
  /** Starts a server; `onBytes` is called with the size of every message (or chunk, for tcp) it receives. */
  serve(transport: BenchTransport, kind: ServerKind, onBytes: (bytes: number) => void): Promise<BenchServer>;
  /** Connects; resolves once messages can be sent. `onMessage` receives what the server sends back. */
  connect(transport: BenchTransport, addr: string, onMessage: (data: Uint8Array) => void): Promise<Link>;
}
