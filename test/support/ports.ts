import dgram from "node:dgram";

/**
 * A UDP port free right now on 127.0.0.1, for multicast groups: a group cannot take port 0, since
 * every member must agree on one.
 */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
