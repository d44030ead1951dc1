/**
 * The copies `send` takes (adapter rule 5: the caller may reuse its array at once, and Node's
 * sockets keep a reference to what they queue). A small copy is a slice of Node's own buffer pool.
 * A large one (4 KiB and up) would be fresh memory, whose allocation and first touch cost about
 * four times the copy itself; it comes from a free list instead, and goes back to it once the
 * socket's write callback says the platform is done with it.
 */

/** Below 2^12 bytes, `Buffer.allocUnsafe` already slices Node's pool. */
const MIN_SHIFT = 12;
/** Above 2^22 bytes (4 MiB), copies are allocated, used and dropped. */
const MAX_SHIFT = 22;
/** The idle memory the free lists may keep, process-wide: a bound, whatever the number of connections. */
const IDLE_LIMIT = 8 * 1024 * 1024;

const free: ArrayBuffer[][] = Array.from({ length: MAX_SHIFT + 1 }, () => []);
let idleBytes = 0;

function shiftFor(size: number): number {
  return Math.max(MIN_SHIFT, 32 - Math.clz32(size - 1));
}

function recyclable(size: number): boolean {
  return size >= 1 << MIN_SHIFT && size <= 1 << MAX_SHIFT;
}

/** `size` writable bytes (uninitialised) for a copy of an outgoing message. */
export function takeCopy(size: number): Buffer {
  if (!recyclable(size)) return Buffer.allocUnsafe(size);
  const shift = shiftFor(size);
  const memory = free[shift]?.pop();
  if (memory === undefined) return Buffer.from(new ArrayBuffer(1 << shift), 0, size);
  idleBytes -= memory.byteLength;
  return Buffer.from(memory, 0, size);
}

/**
 * The write callback that gives `copy`'s memory back once written, or `undefined` for a copy that
 * is not recycled. Pass it to exactly one write of `copy`, and never touch `copy` afterwards.
 */
export function recycler(copy: Buffer): (() => void) | undefined {
  if (!recyclable(copy.length)) return undefined;
  let returned = false;
  return () => {
    // Once only: memory listed twice would be handed out to two messages at a time.
    if (returned) return;
    returned = true;
    const memory = copy.buffer as ArrayBuffer;
    const shift = shiftFor(copy.length);
    // Only whole blocks of the expected class come back (never a slice of Node's shared pool).
    if (copy.byteOffset !== 0 || memory.byteLength !== 1 << shift) return;
    if (idleBytes + memory.byteLength > IDLE_LIMIT) return;
    idleBytes += memory.byteLength;
    free[shift]?.push(memory);
  };
}
