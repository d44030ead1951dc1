/**
 * `message-io/testing`: the adapter contract kit (src/testing/contract.ts) for Vitest, bound to the
 * Node build's `split`, and the recorder its scenarios use, for an adapter's own tests.
 * @module message-io/testing
 */
import {
  type AdapterContractOptions,
  describeAdapterContract as describeWith,
  type SplitFunction,
} from "../../src/testing/contract.js";
import { split } from "./index.js";

export { concatBytes, patternBytes } from "../../src/testing/bytes.js";
export type { AdapterCapabilities, AdapterContractOptions, SplitFunction } from "../../src/testing/contract.js";
export {
  describeEvent,
  type EventOf,
  type EventPredicate,
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  Recorder,
  type SplitNode,
  sameBytes,
} from "../../src/testing/recorder.js";

/** Registers the contract's scenarios for one transport; `split` defaults to the Node build's. */
export function describeAdapterContract(
  options: Omit<AdapterContractOptions, "split"> & { split?: SplitFunction },
): void {
  describeWith({ ...options, split: options.split ?? split });
}
