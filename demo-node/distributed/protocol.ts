/**
 * The messages of the distributed example, as JSON text: a participant registers with the
 * discovery server over framed-tcp, the server tells participants about each other, and
 * participants greet each other directly over udp.
 */

export interface ParticipantInfo {
  readonly name: string;
  /** Where the participant listens for other participants (udp), `"ip:port"`. */
  readonly addr: string;
}

export type Message =
  // participant -> discovery server
  | { readonly type: "register"; readonly name: string; readonly addr: string }
  // discovery server -> participants
  | { readonly type: "participant-list"; readonly participants: readonly ParticipantInfo[] }
  | { readonly type: "participant-added"; readonly name: string; readonly addr: string }
  | { readonly type: "participant-removed"; readonly name: string }
  | { readonly type: "name-taken"; readonly name: string }
  // participant -> participant
  | { readonly type: "greetings"; readonly name: string; readonly text: string };

const types = new Set<unknown>([
  "register",
  "participant-list",
  "participant-added",
  "participant-removed",
  "name-taken",
  "greetings",
]);

export function encode(message: Message): string {
  return JSON.stringify(message);
}

/** The message, or `undefined` for bytes that are not one (a peer's garbage must not crash us). */
export function decode(data: Uint8Array): Message | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as { type?: unknown };
    return types.has(value.type) ? (value as Message) : undefined;
  } catch {
    return undefined;
  }
}
