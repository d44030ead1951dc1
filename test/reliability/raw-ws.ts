/**
 * A WebSocket peer written by hand, byte by byte, to say what no well-behaved library would: broken
 * handshakes and invalid frames (RFC 6455 section 5.2).
 */
import type net from "node:net";
import { rawSocket } from "./support.js";

/** A valid upgrade request for `path`, with extra header lines. */
export function upgradeRequest(path = "/", headers: Record<string, string> = {}): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Sends `request` on a fresh socket and resolves with the response head (status line and headers). */
export async function sendRequest(addr: string, request: string): Promise<{ socket: net.Socket; head: string }> {
  const socket = await rawSocket(addr);
  socket.write(request);
  const head = await new Promise<string>((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.off("close", onClose);
      // Whatever followed the head stays readable for the caller.
      const rest = Buffer.from(received.slice(end + 4), "latin1");
      if (rest.length > 0) socket.unshift(rest);
      resolve(received.slice(0, end));
    };
    const onClose = () => reject(new Error(`closed before a response; got ${JSON.stringify(received)}`));
    socket.on("data", onData);
    socket.once("close", onClose);
  });
  socket.pause();
  return { socket, head };
}

/** Opens a WebSocket by hand; rejects unless the server answered 101. */
export async function rawUpgrade(addr: string, headers?: Record<string, string>): Promise<net.Socket> {
  const { socket, head } = await sendRequest(addr, upgradeRequest("/", headers));
  if (!head.startsWith("HTTP/1.1 101")) throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
  socket.resume(); // server frames (pings, close) must not fill our buffers
  return socket;
}

export interface FrameOptions {
  fin?: boolean;
  /** RSV1-3 bits, 0 to 7. */
  rsv?: number;
  /** Clients must mask; `false` sends an invalid unmasked frame. */
  masked?: boolean;
  /** A length to declare instead of the payload's (for frames larger than we send). */
  declaredLength?: bigint;
}

/** One frame from a client to a server. */
export function clientFrame(opcode: number, payload: Uint8Array, options: FrameOptions = {}): Buffer {
  const { fin = true, rsv = 0, masked = true } = options;
  const length = options.declaredLength ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) head.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
  else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  const key = [0x12, 0x34, 0x56, 0x78];
  const body = Buffer.from(payload);
  if (masked) {
    head.push(...key);
    for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i % 4] as number);
  }
  return Buffer.concat([Buffer.from(head), body]);
}

export const Opcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;
