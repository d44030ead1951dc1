/**
 * The file-transfer messages over framed-tcp: one tag byte, then the body. Chunks carry the
 * file's bytes as they are; the rest is small JSON.
 *
 *   sender                                        receiver
 *     | -- request {name, size} ------------------> |
 *     | <----------------- answer {accepted, why} -- |
 *     | -- chunk, chunk, ... (backpressure paced) -> |   written as they come
 *     | -- end: sha256 of the whole file ----------> |
 *     | <------------------------ verified {ok} ---- |   the file is kept only if the hash matches
 */

export const Tag = {
  // sender -> receiver
  Request: 0,
  Chunk: 1,
  End: 2,
  // receiver -> sender
  Answer: 0,
  Verified: 1,
} as const;

export interface FileRequest {
  readonly name: string;
  readonly size: number;
}

export interface Answer {
  readonly accepted: boolean;
  readonly reason?: string;
}

export interface Verified {
  readonly ok: boolean;
}

/** A tagged message whose body is JSON. */
export function encodeJson(tag: number, body: FileRequest | Answer | Verified): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(body));
  const message = new Uint8Array(1 + json.length);
  message[0] = tag;
  message.set(json, 1);
  return message;
}

/** The JSON body of a tagged message, or `undefined` when it is not JSON. */
export function decodeJson(message: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(message.subarray(1)));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The end of a file: its SHA-256, 32 bytes. */
export function encodeEnd(sha256: Uint8Array): Uint8Array {
  const message = new Uint8Array(1 + sha256.length);
  message[0] = Tag.End;
  message.set(sha256, 1);
  return message;
}
