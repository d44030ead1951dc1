/**
 * The benchmark page: the library's ws client (`message-io`, the browser build) and a native
 * `WebSocket`, driven through one small interface so both run the very same loops.
 */
import { split } from "message-io";
import { burstFor, type Command, END, HIGH_WATER, type SendReport } from "./protocol.js";

interface PageLink {
  send(data: Uint8Array): void;
  pending(): number;
  close(): void;
}

type Connect = (url: string, onMessage: (data: Uint8Array) => void) => Promise<PageLink>;

const connectLibrary: Connect = async (url, onMessage) => {
  const { handler, listener } = split();
  const network = handler.network;
  const endpoint = await network.connectAsync("ws", url);
  void listener.forEach((event) => {
    if (event.type === "message") onMessage(event.data);
  });
  return {
    send: (data) => void network.send(endpoint, data),
    pending: () => network.pendingBytes(endpoint),
    close: () => handler.stop(),
  };
};

const connectNative: Connect = (url, onMessage) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => onMessage(new Uint8Array(event.data as ArrayBuffer));
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
    ws.onopen = () =>
      resolve({
        send: (data) => ws.send(data as Uint8Array<ArrayBuffer>),
        pending: () => ws.bufferedAmount,
        close: () => ws.close(),
      });
  });

/** A macrotask without setTimeout's 4 ms clamp, so the send loop yields to the network only briefly. */
const channel = new MessageChannel();
const turns: (() => void)[] = [];
channel.port1.onmessage = () => turns.shift()?.();
const nextTurn = (callback: () => void) => {
  turns.push(callback);
  channel.port2.postMessage(null);
};

/** Runs one measurement; resolves with messages per second. */
async function run(impl: "library" | "native", url: string, command: Command): Promise<number> {
  let onMessage: (data: Uint8Array) => void = () => {};
  const link = await (impl === "library" ? connectLibrary : connectNative)(url, (data) => onMessage(data));
  try {
    link.send(new TextEncoder().encode(JSON.stringify(command)));
    return await (command.direction === "send"
      ? sendRun(link, command, (h) => (onMessage = h))
      : receiveRun(command, (h) => (onMessage = h)));
  } finally {
    link.close();
  }
}

function sendRun(link: PageLink, { size, durationMs }: Command, listen: (h: (d: Uint8Array) => void) => void) {
  const payload = new Uint8Array(size).fill(0x61);
  const burst = burstFor(size);
  let sent = 0;
  const start = performance.now();
  return new Promise<number>((resolve, reject) => {
    listen((data) => {
      const { bytes } = JSON.parse(new TextDecoder().decode(data)) as SendReport;
      if (bytes !== sent * size) reject(new Error(`the server got ${bytes} bytes of ${sent * size}`));
      resolve(sent / ((performance.now() - start) / 1000));
    });
    const turn = () => {
      if (performance.now() - start >= durationMs) return link.send(END);
      if (link.pending() < HIGH_WATER) {
        for (let i = 0; i < burst; i++) link.send(payload);
        sent += burst;
      }
      nextTurn(turn);
    };
    turn();
  });
}

function receiveRun({ size }: Command, listen: (h: (d: Uint8Array) => void) => void) {
  let count = 0;
  let first = 0;
  return new Promise<number>((resolve, reject) => {
    listen((data) => {
      if (data.length === size) {
        if (count++ === 0) first = performance.now();
        return;
      }
      if (data.length !== END.length) return reject(new Error(`unexpected ${data.length}-byte message`));
      resolve((count - 1) / ((performance.now() - first) / 1000));
    });
  });
}

(globalThis as { bench?: typeof run }).bench = run;
