import { type EventReceiver, NetError, type NodeEvent } from "message-io";
import { expect } from "vitest";

/**
 * Lets every queued microtask and I/O callback run. Used only to check that something did NOT
 * happen (the in-memory transport reports through microtasks); never to wait for something.
 */
export async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The next event; fails instead of hanging when none comes (a guard, not a synchronisation). */
export async function next<S, M = Uint8Array>(receiver: EventReceiver<S, M>, guardMs = 5000): Promise<NodeEvent<S, M>> {
  const event = await receiver.receiveTimeout(guardMs);
  if (event === undefined) throw new Error(`no event within ${guardMs} ms`);
  return event;
}

/** The next event, which must be of `type`. */
export async function nextOf<S, T extends NodeEvent<S>["type"], M = Uint8Array>(
  receiver: EventReceiver<S, M>,
  type: T,
): Promise<Extract<NodeEvent<S, M>, { type: T }>> {
  const event = await next(receiver);
  expect(event.type, `expected ${type}, got ${JSON.stringify(describeEvent(event))}`).toBe(type);
  return event as Extract<NodeEvent<S, M>, { type: T }>;
}

/** A short, comparable description of an event. */
export function describeEvent<S, M>(event: NodeEvent<S, M>): unknown {
  switch (event.type) {
    case "signal":
      return { signal: event.signal };
    case "message":
      return { message: new TextDecoder().decode(event.data) };
    case "connected":
      return { connected: event.ok, code: event.error?.code };
    case "accepted":
      return { accepted: event.endpoint.addr };
    case "disconnected":
      return { disconnected: event.endpoint.addr, code: event.error?.code };
  }
}

/**
 * Asserts that nothing but `marker` is queued: sends the marker signal after letting everything
 * pending happen, and checks it is the very next event.
 */
export async function expectNothingMore(
  receiver: EventReceiver<string>,
  sendMarker: (marker: string) => void,
): Promise<void> {
  await turns();
  sendMarker("marker");
  const event = await next(receiver);
  expect(describeEvent(event)).toEqual({ signal: "marker" });
}

export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts that `action` throws a `NetError` with `code`, synchronously. */
export function expectThrowsCode(action: () => unknown, code: string): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(NetError);
  expect((error as NetError).code).toBe(code);
}

/** Asserts that `promise` rejects with a `NetError` with `code`; returns the error. */
export async function expectRejectsCode(promise: Promise<unknown>, code: string): Promise<NetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NetError);
  expect((error as NetError).code).toBe(code);
  return error as NetError;
}

export const utf8 = (text: string) => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
