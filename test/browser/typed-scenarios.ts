/**
 * The cross-platform scenarios of messages as values (LAYERS.md section 1) and statistics
 * (section 3), part of scenarios.ts: a node with a codec against the scenario server's byte echo,
 * which sends every payload back as it came, so the client decodes what it encoded itself.
 */
import { type Codec, msgpack, NetError, type NetworkController, Transport } from "message-io";
import { isEvent } from "./log.js";
import type { Context } from "./scenarios.js";

type Msg =
  | { t: "move"; x: number; y: number }
  | { t: "chat"; text: string; at: Date; big: bigint; blob: Uint8Array; list: unknown[] };

/** Undecodable MessagePack: an array of two holding one element. */
const GARBAGE = Uint8Array.of(0x92, 0x01);

/**
 * MessagePack, except that the string "garbage" encodes to bytes that do not decode: the server
 * echoes them, so the client receives a payload its codec refuses, over a real connection.
 */
function msgpackWithGarbage(): Codec<Msg | "garbage"> {
  const inner = msgpack<Msg>();
  return {
    name: "msgpack",
    encode: (message) => (message === "garbage" ? GARBAGE : inner.encode(message)),
    decode: (data) => inner.decode(data),
  };
}

export const typedMessages: Msg[] = [
  { t: "move", x: 1.5, y: -2 },
  {
    t: "chat",
    text: "héllo ✓ 🌍",
    at: new Date(Date.UTC(2026, 11, 2, 7, 30, 15, 123)),
    big: -(2n ** 62n),
    blob: Uint8Array.of(0, 1, 254, 255),
    list: [null, true, [1, "two"], { nested: 3 }],
  },
];

/** A decoded value as text that holds its types: the same string on both platforms or a difference. */
export function describeValue(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key) {
    const raw = this[key]; // before Date's toJSON
    if (raw instanceof Date) return `Date(${raw.toISOString()})`;
    if (typeof raw === "bigint") return `${raw}n`;
    if (raw instanceof Uint8Array) return `${raw.constructor.name}[${Array.from(raw).join(",")}]`;
    return raw;
  });
}

/** The codec of each scenario that has one (the others are nodes of bytes). */
export const scenarioCodecs: Record<string, () => Codec<any>> = {
  "typed-messages": msgpackWithGarbage,
};

export const typedScenarios = {
  /** Typed messages both ways, an encode error, statistics, then a payload that does not decode. */
  async "typed-messages"({ handler, log, at }: Context<any>) {
    // runScenario made this node with the codec of `scenarioCodecs`.
    const network = handler.network as unknown as NetworkController<Msg | "garbage">;
    const endpoint = await network.connectAsync(Transport.Ws, at.echo);
    await log.waitFor(isEvent("connected", "echo", log));
    for (const [i, message] of typedMessages.entries()) log.note(`send(typed #${i})`, network.send(endpoint, message));
    const echoes: { message: unknown; data: Uint8Array }[] = [];
    for (let i = 1; i <= typedMessages.length; i++) echoes.push(await log.waitFor(isEvent("message", "echo", log), i));
    for (const [i, echo] of echoes.entries()) log.note(`message #${i} decodes to`, describeValue(echo.message));
    try {
      network.send(endpoint, { t: "chat", text: Symbol("no") } as unknown as Msg);
      log.note("send(a symbol)", "sent");
    } catch (error) {
      const cause = error instanceof NetError && error.cause !== undefined;
      log.note("send(a symbol) throws", `${(error as NetError).code}, with its cause: ${cause}`);
    }
    const stats = network.stats(endpoint);
    const bytes = typedMessages.reduce((sum, _, i) => sum + (echoes[i]?.data.length ?? 0), 0);
    log.note("stats: messages sent, received", `${stats?.messagesSent}, ${stats?.messagesReceived}`);
    log.note(
      "stats: bytes sent = received = the echoes' bytes",
      stats?.bytesSent === bytes && stats?.bytesReceived === bytes,
    );
    log.note("stats: lastReceivedAt >= openedAt", (stats?.lastReceivedAt ?? 0) >= (stats?.openedAt ?? 1));
    log.note("send(garbage)", network.send(endpoint, "garbage"));
    const ended = await log.waitFor(isEvent("disconnected", "echo", log));
    log.note("disconnected code", ended.error?.code);
    log.note("node stats: connections, dropped", `${network.stats().connections}, ${network.stats().dropped}`);
    log.note("stats of the ended endpoint", network.stats(endpoint));
  },
};
