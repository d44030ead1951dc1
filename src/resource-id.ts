import { ErrorCode, NetError } from "./errors.js";
import { Transport, type TransportName } from "./transport.js";

/**
 * A resource id is a plain number that encodes, from the lowest digit up:
 * - whether the resource is local (a listener: 1) or remote (a connection: 0), base 2;
 * - the transport's index, base 256;
 * - a serial number, unique in the process, so an id is never reused.
 *
 * The encoding is arithmetic, not bitwise: JavaScript's bit operators truncate to 32 bits, and ids
 * must stay exact up to 2^53.
 */
export type ResourceId = number;

const LOCAL_BASE = 2;
const TRANSPORT_BASE = 256;
const SERIAL_UNIT = LOCAL_BASE * TRANSPORT_BASE;

const transportByIndex: string[] = [Transport.Tcp, Transport.FramedTcp, Transport.Udp, Transport.Ws];
const indexByTransport = new Map(transportByIndex.map((name, index) => [name, index]));
let lastSerial = 0;

/** The index of a transport in ids; a custom transport gets the next free one, once per process. */
export function transportIndex(transport: TransportName): number {
  let index = indexByTransport.get(transport);
  if (index === undefined) {
    if (transportByIndex.length >= TRANSPORT_BASE) {
      throw new NetError(ErrorCode.InvalidArgument, `too many transports (at most ${TRANSPORT_BASE})`);
    }
    index = transportByIndex.push(transport) - 1;
    indexByTransport.set(transport, index);
  }
  return index;
}

/** @internal A fresh id, never handed out before in this process. */
export function newResourceId(transport: TransportName, local: boolean): ResourceId {
  lastSerial += 1;
  return lastSerial * SERIAL_UNIT + transportIndex(transport) * LOCAL_BASE + (local ? 1 : 0);
}

/** True for a listener's id, false for a connection's. */
export function isLocal(id: ResourceId): boolean {
  return id % LOCAL_BASE === 1;
}

/** The transport an id belongs to. */
export function transportOf(id: ResourceId): TransportName {
  const name = transportByIndex[Math.floor(id / LOCAL_BASE) % TRANSPORT_BASE];
  if (name === undefined) throw new NetError(ErrorCode.InvalidArgument, `${id} is not a resource id`);
  return name;
}
