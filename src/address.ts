import { ErrorCode, NetError } from "./errors.js";

export interface HostPort {
  /** A host name, an IPv4 address, or an IPv6 address without brackets. */
  readonly host: string;
  readonly port: number;
}

/** Parses `"host:port"` or `"[ipv6]:port"`; throws `INVALID_ADDRESS` for anything else. */
export function parseHostPort(addr: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.%\w-]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(addr);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !(port >= 0 && port <= 65535)) {
    throw new NetError(ErrorCode.InvalidAddress, `"${addr}" is not "host:port" (or "[ipv6]:port")`);
  }
  return { host, port };
}

/** `"host:port"`, with brackets around an IPv6 host. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
