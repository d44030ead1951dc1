import type { Socket } from "node:net";
import { formatHostPort } from "../../src/index.js";

/** An accepted socket's peer as `"ip:port"`, or `undefined` when it already closed (its address is gone). */
export function peerAddress(socket: Socket): string | undefined {
  const { remoteAddress, remotePort } = socket;
  return remoteAddress === undefined || remotePort === undefined
    ? undefined
    : formatHostPort(remoteAddress, remotePort);
}
