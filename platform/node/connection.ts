/**
 * The one Node connection base. What every Node adapter does the same way is here, once:
 * - writes batched per event-loop turn (`TurnWriter`, coalesce.ts): the turn's first message is
 *   written at once into the corked socket, the next small ones staged into one buffer, so a burst
 *   of sends leaves in one syscall (`TurnCork` does the corking alone, for `ws`'s own client);
 * - the end reported once, with the first error that caused it (`reportClosed`);
 * - the receive deadlines, stopped while reading is paused (inbound backpressure);
 * - the graceful close that never keeps the process alive (`endGracefully`, `closeWebSocket`);
 * - the listen promise (`whenBound`).
 * A connection class says only what differs: how a message is written, paused and closed.
 */
import type { EventEmitter } from "node:events";
import type net from "node:net";
import type { WebSocket } from "ws";
import type { Connection, ConnectionSink } from "../../src/index.js";
import { NetError, SendStatus } from "../../src/index.js";
import { type Framing, TurnWriter } from "./coalesce.js";
import { type DeadlineOptions, Deadlines } from "./deadlines.js";

/** How long a closed stream may go on flushing what was sent before it is cut. */
export const CLOSE_GRACE_MS = 10_000;

/** Corks a socket for the rest of the current turn at its first write (see the file's comment). */
export class TurnCork {
  private corked = false;

  constructor(private readonly socket: { cork(): void; uncork(): void }) {}

  /** Call before each write of the turn. */
  hold(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.release);
  }

  private readonly release = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
}

/** A connection over one Node socket; subclasses attach the socket's events and say how to pause and close. */
export abstract class NodeConnection implements Connection {
  /** Set while the core listens; cleared once the end was reported, or the core closed the connection. */
  protected sink: ConnectionSink | undefined;
  private error: NetError | undefined;
  private deadlines: Deadlines | undefined;
  /** The one write path of every message: copied, batched per turn, each behind its `framing`. */
  protected readonly writer: TurnWriter;

  constructor(
    readonly addr: string,
    /** The byte stream underneath: what is written per turn and let go of on close. */
    protected readonly socket: net.Socket,
    /** What precedes each message on the wire (framed-tcp's length, a WebSocket frame header). */
    framing?: Framing,
  ) {
    this.writer = new TurnWriter(socket, framing);
  }

  attach(sink: ConnectionSink): void {
    this.sink = sink;
  }

  /** Remembers why the connection is ending; the first reason wins, and `reportClosed` tells it. */
  protected noteError(error: NetError): void {
    this.error ??= error;
  }

  /** The connection ended by itself: tells the core once, with the first error noted, else `fallback`. */
  protected reportClosed(fallback?: NetError): void {
    this.deadlines?.stop();
    const sink = this.sink;
    this.sink = undefined;
    sink?.closed(this.error ?? fallback);
  }

  /** Starts the receive deadlines from now; a missed one ends the connection through `expire`. */
  startDeadlines(options: DeadlineOptions): void {
    const deadlines = new Deadlines(options, this.addr, (error) => {
      this.noteError(error);
      this.expire();
    });
    if (deadlines.active) this.deadlines = deadlines;
  }

  /** Bytes arrived: feeds the deadlines (see `Deadlines.received`). */
  protected received(unfinished: number, completed: boolean): void {
    this.deadlines?.received(unfinished, completed);
  }

  /** Queues one message behind its framing. The writer copies it: the caller may reuse `data` (rule 5). */
  send(data: Uint8Array): SendStatus {
    this.writer.send(data);
    return SendStatus.Sent;
  }

  abstract pendingBytes(): number;

  pauseReading(): void {
    this.pauseSource();
    this.deadlines?.pause();
  }

  resumeReading(): void {
    this.resumeSource();
    this.deadlines?.resume();
  }

  /** Stops and restarts reading from the peer. */
  protected abstract pauseSource(): void;
  protected abstract resumeSource(): void;

  /** Called by the core once: stays silent from now, flushes what was sent, lets the process go. */
  close(): void {
    this.sink = undefined;
    this.deadlines?.stop();
    this.writer.flush(); // what was sent goes before the FIN or the close frame
    this.closeGracefully();
  }

  protected abstract closeGracefully(): void;

  /** Ends the connection at once because a deadline passed (the error is noted already). */
  protected abstract expire(): void;
}

/** Flushes what was sent, then FIN; never keeps the process alive for it, and gives up after a grace time. */
export function endGracefully(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.end();
  socket.unref();
  const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  cut.unref();
  socket.once("close", () => clearTimeout(cut));
}

/**
 * Closes a `ws` socket with `code`. It then waits for the peer's close frame, up to 30 s, on its
 * socket and a timer that would keep the process alive (adapter rule 7): both are let go, so a slow
 * peer still gets its close frame while the process runs and an exiting process does not wait.
 * The timer is `ws`'s own, with no public handle: the one private field read, and only if present.
 */
export function closeWebSocket(ws: WebSocket, socket: { unref(): unknown } | undefined, code = 1000): void {
  ws.close(code);
  letGoOfClosing(ws, socket);
}

/** The second half of `closeWebSocket`, for a `ws` socket whose `close` was called already. */
export function letGoOfClosing(ws: WebSocket, socket: { unref(): unknown } | undefined): void {
  socket?.unref();
  (ws as { _closeTimer?: { unref?(): unknown } })._closeTimer?.unref?.();
}

/**
 * The listen promise: runs `bind`, and resolves with `ready()` once it calls back. An `error`
 * before that rejects, as a `NetError`, after `failed()`; `ready` throwing rejects the same way.
 * Errors after binding concern single sockets, which report them: they are ignored here.
 */
export function whenBound<T>(
  emitter: EventEmitter,
  bind: (done: () => void) => void,
  ready: () => T,
  failed?: () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      failed?.();
      reject(NetError.from(error));
    };
    emitter.once("error", fail);
    bind(() => {
      emitter.off("error", fail);
      emitter.on("error", () => {});
      try {
        resolve(ready());
      } catch (error) {
        fail(error);
      }
    });
  });
}
