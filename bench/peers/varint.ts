/**
 * The framing a user of raw `net` would write by hand for framed-tcp (the same wire: a LEB128
 * length, then the payload): the baseline the library's framed-tcp is compared with. It is a
 * careful one: whole frames are views of the chunk, and a frame spread over chunks is joined once.
 */
export function frame(data: Uint8Array): Buffer {
  let prefix = 1;
  for (let n = data.length; n >= 0x80; n >>>= 7) prefix += 1;
  const out = Buffer.allocUnsafe(prefix + data.length);
  let at = 0;
  let n = data.length;
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
  out.set(data, at);
  return out;
}

/** Splits a stream into frames. */
export function deframer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  // The unfinished tail: its chunks, their total, and the size of its frame (0 while the prefix is cut).
  let parts: Buffer[] = [];
  let held = 0;
  let needed = 0;
  return (chunk) => {
    let data = chunk;
    if (held > 0) {
      parts.push(chunk);
      held += chunk.length;
      if (needed > 0 && held < needed) return;
      data = Buffer.concat(parts, held);
      parts = [];
      held = 0;
      needed = 0;
    }
    let at = 0;
    while (at < data.length) {
      let length = 0;
      let scale = 1;
      let i = at;
      let byte = 0x80;
      while (byte & 0x80 && i < data.length) {
        byte = data[i++] as number;
        length += (byte & 0x7f) * scale;
        scale *= 0x80;
      }
      if (!(byte & 0x80) && data.length - i >= length) {
        onFrame(data.subarray(i, i + length));
        at = i + length;
        continue;
      }
      if (!(byte & 0x80)) needed = i - at + length;
      parts.push(data.subarray(at));
      held = data.length - at;
      return;
    }
  };
}
