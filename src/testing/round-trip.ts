/**
 * A message there and back on a transport that may lose it: sent again until its echo comes back,
 * a bounded number of times. On a reliable transport one send is enough, and a lost echo fails.
 */
import { expect } from "vitest";
import type { Endpoint } from "../endpoint.js";
import { SendStatus } from "../events.js";
import { type EventOf, isMessage, type Recorder, sameBytes } from "./recorder.js";

export interface RoundTrip {
  reliable: boolean;
  send(recorder: Recorder<any>, endpoint: Endpoint, bytes: Uint8Array): SendStatus;
  payloadOf(event: EventOf<"message">): Uint8Array;
}

/** How long an unreliable round trip waits for its echo before sending again, and how many times it sends. */
const RESEND_AFTER_MS = 500;
const ATTEMPTS = 10;

/** Sends `bytes` to an echoing peer and resolves with the echo: one message of those very bytes. */
export async function roundTrip(
  how: RoundTrip,
  recorder: Recorder<any>,
  endpoint: Endpoint,
  bytes: Uint8Array,
): Promise<EventOf<"message">> {
  const isEcho = (e: Parameters<typeof isMessage>[0]): e is EventOf<"message"> =>
    isMessage(e) && e.endpoint === endpoint && sameBytes(how.payloadOf(e), bytes);
  if (how.reliable) {
    expect(how.send(recorder, endpoint, bytes)).toBe(SendStatus.Sent);
    return recorder.waitFor(isEcho);
  }
  for (let attempt = 1; ; attempt++) {
    expect(how.send(recorder, endpoint, bytes)).toBe(SendStatus.Sent);
    try {
      return await recorder.waitFor(isEcho, attempt === ATTEMPTS ? 20_000 : RESEND_AFTER_MS);
    } catch (error) {
      if (attempt === ATTEMPTS) throw error;
    }
  }
}
