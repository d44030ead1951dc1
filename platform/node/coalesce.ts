/**
 * Coalescing: the small frames a connection sends in one turn of the event loop are copied into one
 * staging buffer, written once at the end of the turn. A write per frame, even into a corked
 * socket, costs Node a `Buffer` and a queue entry per message, and the kernel a `writev` entry
 * each; staged, a turn of 256 small messages is one buffer and one entry. A turn of one frame (an
 * echo, a request) still writes its frame as it is, with no staging buffer: an idle connection
 * holds none, and one that answers one message per turn pays nothing more.
 *
 * Every byte goes out in the order sent: a large frame first writes what is staged, and the owner
 * calls `flush()` before ending the socket or writing anything of its own (a close frame).
 */
import { recycler, takeCopy } from "./send-copies.js";

/** What precedes each message on the wire (framed-tcp: its varint length; ws: the frame header). */
export interface Framing {
  /** The prefix's size for a message of `length` bytes. */
  size(length: number): number;
  /** Writes the prefix of `length` into `out` at `at`; returns the offset after it. */
  write(length: number, out: Uint8Array, at: number): number;
}

/** The part of a socket this needs (a `net.Socket`). */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array, callback?: () => void): boolean;
}

/** Frames (prefix included) up to this size are staged; larger ones are copied and written on their own. */
const SMALL_FRAME = 1024;
/** A staging buffer: a class of the recycled send copies, so it costs no allocation once warm. */
const STAGE_SIZE = 16 * 1024;

/** One connection's writer: corks its socket for the turn, and stages the turn's small frames. */
export class TurnWriter {
  /** The turn's staging buffer, taken at its second small frame and written at its end. */
  private stage: Buffer | undefined;
  private used = 0;
  /** The socket is corked for this turn: the turn's first frame has been written. */
  private corked = false;

  constructor(
    private readonly socket: CorkableSocket,
    private readonly framing: Framing | undefined,
  ) {}

  /** Bytes staged and not yet handed to the socket (add them to its backlog). */
  get staged(): number {
    return this.used;
  }

  /**
   * Sends `payload` behind its prefix. It is copied before this returns (the caller may reuse
   * its array at once), and written by the end of the turn.
   */
  send(payload: Uint8Array): void {
    const framing = this.framing;
    const length = payload.length;
    const size = (framing === undefined ? 0 : framing.size(length)) + length;
    if (!this.corked) {
      // The turn's first frame: cork the socket so the turn leaves in one writev, and write it as is.
      this.corked = true;
      this.socket.cork();
      process.nextTick(endTurn, this);
    } else if (size <= SMALL_FRAME) {
      let stage = this.stage;
      if (stage === undefined || this.used + size > STAGE_SIZE) {
        this.flush();
        stage = takeCopy(STAGE_SIZE);
        this.stage = stage;
      }
      let at = this.used;
      if (framing !== undefined) at = framing.write(length, stage, at);
      stage.set(payload, at);
      this.used = at + length;
      return;
    } else this.flush();
    const copy = takeCopy(size);
    copy.set(payload, framing === undefined ? 0 : framing.write(length, copy, 0));
    this.socket.write(copy, recycler(copy));
  }

  /** Hands what is staged to the socket (still corked until the end of the turn). */
  flush(): void {
    const stage = this.stage;
    if (stage === undefined) return;
    this.stage = undefined;
    const used = this.used;
    this.used = 0;
    // The callback gives the whole staging buffer back to the recycled copies once written.
    this.socket.write(stage.subarray(0, used), recycler(stage));
  }

  /** @internal The turn is over: write what is staged, and let the socket go. */
  endTurn(): void {
    this.flush();
    this.corked = false;
    this.socket.uncork();
  }
}

/** One function for every writer (a closure per connection would cost 56 bytes each, measured by heap snapshot). */
function endTurn(writer: TurnWriter): void {
  writer.endTurn();
}
