/** The sockets of `tcp` and `framed-tcp`: `node:net`, or `node:tls` when the options ask for it. */
import net from "node:net";
import tls from "node:tls";
import type { TcpConnectOptions, TcpListenOptions } from "../../src/index.js";
import { formatHostPort, parseHostPort } from "../../src/index.js";
import type { DeadlineOptions } from "./deadlines.js";
import { peerAddress } from "./peer-address.js";
import type { SocketFactory } from "./stream.js";
import { nodeClientTls } from "./tls-options.js";

function clientTls(option: TcpConnectOptions["tls"], host: string): tls.ConnectionOptions | undefined {
  const details = nodeClientTls(option);
  return details === undefined ? undefined : { servername: net.isIP(host) ? undefined : host, ...details };
}

/** The TLS server's options: `handshakeTimeout` also bounds the TLS handshake, unless `tls` sets its own. */
function serverTls(options: TcpListenOptions, deadlines: DeadlineOptions): tls.TlsOptions {
  const handshake = deadlines.handshakeTimeout ?? 0;
  return { ...(handshake > 0 ? { handshakeTimeout: handshake } : {}), ...(options.tls as tls.TlsOptions) };
}

function parseSource(source: string): { host: string; port: number | undefined } {
  return net.isIP(source) ? { host: source, port: undefined } : parseHostPort(source);
}

export const tcpSockets: SocketFactory<TcpConnectOptions, TcpListenOptions> = {
  connect(remote, options) {
    const { host, port } = parseHostPort(remote);
    const source = options.sourceAddress === undefined ? undefined : parseSource(options.sourceAddress);
    const base = { host, port, localAddress: source?.host, localPort: source?.port };
    const secure = clientTls(options.tls, host);
    const socket = secure === undefined ? net.connect(base) : tls.connect({ ...base, ...secure });
    return { socket, addr: formatHostPort(host, port), readyEvent: secure === undefined ? "connect" : "secureConnect" };
  },

  createServer(options, deadlines) {
    if (options.tls === undefined) return { server: net.createServer(), connectionEvent: "connection" };
    const server = tls.createServer(serverTls(options, deadlines));
    // A failed TLS handshake is the peer's problem: drop its socket, keep listening.
    server.on("tlsClientError", (_error: Error, socket: net.Socket) => socket.destroy());
    return { server, connectionEvent: "secureConnection" };
  },

  listenOptions(addr, options) {
    const { host, port } = parseHostPort(addr);
    return { host, port, backlog: options.backlog };
  },

  boundAddress(server) {
    const bound = server.address() as net.AddressInfo;
    return formatHostPort(bound.address, bound.port);
  },

  peerAddress,

  configure(socket, options) {
    socket.setNoDelay(options.noDelay ?? true);
    if (typeof options.keepAlive === "number") socket.setKeepAlive(true, options.keepAlive);
  },
};
