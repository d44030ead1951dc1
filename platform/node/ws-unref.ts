import type { WebSocket } from "ws";

/**
 * After `close()`, a `ws` socket waits for the peer's close frame, up to 30 s, on a timer and a
 * socket that would keep the process alive (rule 7). Both are let go: a slow peer still gets its
 * close frame while the process runs, and an exiting process does not wait for it.
 */
export function unrefClosing(ws: WebSocket, socket?: { unref?(): unknown }): void {
  const internals = ws as unknown as { _socket?: { unref?(): unknown }; _closeTimer?: { unref?(): unknown } };
  (socket ?? internals._socket)?.unref?.();
  internals._closeTimer?.unref?.();
}
