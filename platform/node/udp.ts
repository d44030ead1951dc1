/**
 * `udp` over `node:dgram`: one datagram per message, no header (WIRE.md). A connection is a
 * connected socket; a listener is a bound one that reports every datagram with its sender.
 * UDP has no life cycle: once a socket is up, its errors (an ICMP port unreachable comes back as
 * `ECONNREFUSED` on Linux) end nothing, so they are swallowed and the socket stays usable.
 */
import dgram from "node:dgram";
import dns from "node:dns";
import net from "node:net";
import type {
  Adapter,
  Connection,
  ConnectionSink,
  Listening,
  UdpBufferOptions,
  UdpConnectOptions,
  UdpListenOptions,
} from "../../src/index.js";
import {
  ErrorCode,
  formatHostPort,
  NetError,
  parseHostPort,
  SendStatus,
  Transport,
  transportInfo,
} from "../../src/index.js";
import { UDP_MAX_IPV4, UDP_MAX_IPV6 } from "../../src/transport.js";
import { whenBound } from "./connection.js";
import { recycler, takeCopy } from "./send-copies.js";

type Family = 4 | 6;

class UdpConnection implements Connection {
  private socket: dgram.Socket | undefined;
  private family: Family = 4;
  private connected = false;
  private closed = false;

  constructor(
    readonly addr: string,
    private readonly limit: number,
    private sink: ConnectionSink | undefined,
  ) {}

  get maxMessageSize(): number {
    return maxFor(this.family, this.limit);
  }

  open(host: string, port: number, source: HostAndPort | undefined, options: UdpConnectOptions): void {
    dns.lookup(host, { family: source === undefined ? 0 : net.isIP(source.host) }, (error, address, found) => {
      if (this.closed) return;
      if (error !== null) return this.fail(error);
      this.family = found === 6 ? 6 : 4;
      const socket = newSocket(this.family, options.reuseAddress ?? false, options);
      this.socket = socket;
      socket.on("error", (socketError) => {
        if (!this.connected) this.fail(socketError);
      });
      socket.on("message", (data) => {
        if (this.connected && data.length <= this.limit) this.sink?.data(data);
      });
      socket.bind({ port: source?.port ?? 0, address: source?.host }, () => {
        try {
          // Before connect: Linux refuses to connect to a broadcast address without SO_BROADCAST.
          if (options.broadcast) socket.setBroadcast(true);
          // A sender bound to an interface sends its multicast through it, not along the default route.
          if (source !== undefined && this.family === 4 && isMulticast(address, 4)) {
            socket.setMulticastInterface(source.host);
          }
          socket.connect(port, address, () => {
            this.connected = true;
            this.sink?.ready();
          });
        } catch (setupError) {
          this.fail(setupError);
        }
      });
    });
  }

  send(data: Uint8Array): SendStatus {
    // A copy: dgram keeps a reference when it cannot send at once (rule 5: the caller may reuse `data`).
    const copy = takeCopy(data.length);
    copy.set(data);
    this.socket?.send(copy, recycler(copy));
    return SendStatus.Sent;
  }

  pendingBytes(): number {
    try {
      return this.socket?.getSendQueueSize() ?? 0;
    } catch {
      return 0; // not bound yet, or closed
    }
  }

  close(): void {
    this.closed = true;
    this.sink = undefined;
    closeQuietly(this.socket);
  }

  private fail(error: unknown): void {
    const sink = this.sink;
    this.close();
    sink?.closed(NetError.from(error));
  }
}

class UdpListening implements Listening {
  /** The last destination parsed: a server mostly answers the peer it just heard from. */
  private lastAddr = "";
  private lastTarget: { host: string; port: number } | undefined;

  constructor(
    private readonly socket: dgram.Socket,
    readonly addr: string,
    readonly maxMessageSize: number,
  ) {}

  sendTo(addr: string, data: Uint8Array): SendStatus {
    let target = this.lastTarget;
    if (target === undefined || addr !== this.lastAddr) {
      target = parseHostPort(addr);
      if (target.port === 0) throw new NetError(ErrorCode.InvalidAddress, `cannot send to port 0 ("${addr}")`);
      this.lastAddr = addr;
      this.lastTarget = target;
    }
    const { host, port } = target;
    const copy = takeCopy(data.length);
    copy.set(data);
    this.socket.send(copy, port, host, recycler(copy));
    return SendStatus.Sent;
  }

  close(): void {
    closeQuietly(this.socket);
  }
}

/** `udp`: connected dgram sockets for `connect`, bound ones (joining multicast groups) for `listen`. */
export const udpAdapter: Adapter<UdpConnectOptions, UdpListenOptions> = {
  transport: Transport.Udp,
  info: transportInfo(Transport.Udp),

  connect({ remote, options, limits, sink }) {
    const { host, port } = parseHostPort(remote);
    if (port === 0) throw new NetError(ErrorCode.InvalidAddress, `cannot connect to port 0 ("${remote}")`);
    const source = options.sourceAddress === undefined ? undefined : parseSource(options.sourceAddress);
    const connection = new UdpConnection(formatHostPort(host, port), limits.maxMessageSize, sink);
    connection.open(host, port, source, options);
    return connection;
  },

  listen({ addr, options, limits, sink }) {
    const { host, port } = parseHostPort(addr);
    return new Promise((resolve, reject) => {
      dns.lookup(host, (error, address, found) => {
        if (error !== null) return reject(NetError.from(error));
        const family: Family = found === 6 ? 6 : 4;
        const group = isMulticast(address, family) ? address : undefined;
        // Several listeners of one group on one machine must each bind its port.
        const socket = newSocket(family, group !== undefined || (options.reuseAddress ?? false), options);
        // The last sender's address string, reused while the same peer goes on sending.
        let lastHost = "";
        let lastPort = -1;
        let lastAddr = "";
        socket.on("message", (data, peer) => {
          if (data.length > limits.maxMessageSize) return;
          if (peer.port !== lastPort || peer.address !== lastHost) {
            lastHost = peer.address;
            lastPort = peer.port;
            lastAddr = formatHostPort(lastHost, lastPort);
          }
          sink.datagram(lastAddr, data);
        });
        const bindAddress = group === undefined ? address : family === 6 ? "::" : "0.0.0.0";
        const ready = () => {
          if (options.broadcast) socket.setBroadcast(true);
          if (group !== undefined) {
            socket.addMembership(group, options.multicastInterface);
            socket.setMulticastLoopback(options.multicastLoopback ?? true);
            if (options.multicastInterface !== undefined) socket.setMulticastInterface(options.multicastInterface);
          }
          const local = socket.address();
          const maxMessageSize = maxFor(family, limits.maxMessageSize);
          return new UdpListening(socket, formatHostPort(local.address, local.port), maxMessageSize);
        };
        const bind = (done: () => void) => socket.bind({ port, address: bindAddress }, done);
        whenBound(socket, bind, ready, () => closeQuietly(socket)).then(resolve, reject);
      });
    });
  },
};

interface HostAndPort {
  host: string;
  port: number | undefined;
}

function newSocket(family: Family, reuseAddr: boolean, buffers: UdpBufferOptions): dgram.Socket {
  const { recvBufferSize, sendBufferSize } = buffers;
  return dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", reuseAddr, recvBufferSize, sendBufferSize });
}

/** The smaller of the user's limit and what one datagram of `family` can carry. */
function maxFor(family: Family, limit: number): number {
  return Math.min(limit, family === 6 ? UDP_MAX_IPV6 : UDP_MAX_IPV4);
}

/** 224.0.0.0/4 or ff00::/8. */
function isMulticast(ip: string, family: Family): boolean {
  if (family === 6) return /^ff/i.test(ip);
  const first = Number(ip.slice(0, ip.indexOf(".")));
  return first >= 224 && first <= 239;
}

function parseSource(source: string): HostAndPort {
  return net.isIP(source) ? { host: source, port: undefined } : parseHostPort(source);
}

function closeQuietly(socket: dgram.Socket | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}
