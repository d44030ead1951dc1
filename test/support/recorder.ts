/**
 * The recorder of the contract kit (src/testing/recorder.ts), with nodes of the Node build that
 * `stopAll` stops after each test.
 */
import { type NodeEvent, split } from "message-io";
import { Recorder } from "../../src/testing/recorder.js";

export {
  describeEvent as describe,
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  Recorder,
} from "../../src/testing/recorder.js";
export { concatBytes, patternBytes } from "./bytes.js";

/** A node with a recorder, stopped by `stopAll`. */
const live: Recorder<any>[] = [];
export function recordedNode<S = never>(onEvent?: (event: NodeEvent<S>) => void): Recorder<S> {
  const recorder = new Recorder<S>(split<S>(), onEvent);
  live.push(recorder);
  return recorder;
}

export async function stopAll(): Promise<void> {
  await Promise.all(live.splice(0).map((r) => r.stop()));
}

/** Whether two byte arrays are equal: fast enough for megabytes, unlike a deep equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
