/**
 * Runs `identity.accept` (LAYERS.md section 2) on a peer's hello: synchronously when it returns a
 * verdict, after it settles when it returns a promise.
 */
import type { Peer } from "../../events.js";
import { type IdentitySettings, messageOf } from "./settings.js";

/**
 * Calls `decided` once with `true` (accept) or anything else (refuse; a string is the reason). An
 * `accept` that throws or rejects refuses with its error's message; none at all accepts everyone.
 */
export function runAccept(
  accept: IdentitySettings["accept"],
  peer: Peer<unknown>,
  decided: (verdict: unknown) => void,
): void {
  let verdict: unknown;
  try {
    verdict = accept === undefined ? true : accept(peer);
  } catch (error) {
    decided(messageOf(error));
    return;
  }
  if (typeof (verdict as { then?: unknown } | null)?.then !== "function") {
    decided(verdict);
    return;
  }
  Promise.resolve(verdict).then(decided, (error: unknown) => decided(messageOf(error)));
}
