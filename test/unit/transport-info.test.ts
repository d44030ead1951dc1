/**
 * A custom transport's info is its node's: two nodes may register different adapters under one
 * name (once a process-wide registry let the last node overwrite what the first had registered).
 */
import { ErrorCode, split, Transport, transportInfo } from "message-io";
import { type Adapter, memoryAdapter } from "message-io/adapter";
import { expect, it } from "vitest";

/** The memory adapter under `name`, with its own message size limit. */
function adapterWithLimit(name: string, maxMessageSize: number): Adapter {
  const adapter = memoryAdapter(name);
  return { ...adapter, info: { ...adapter.info, maxMessageSize } };
}

it("each node reports the info of its own adapter, and the global lookup knows only the built-ins", () => {
  const first = split({ adapters: [adapterWithLimit("custom", 1000)] });
  const second = split({ adapters: [adapterWithLimit("custom", 2000)] });
  expect(first.handler.network.transportInfo("custom").maxMessageSize).toBe(1000);
  expect(second.handler.network.transportInfo("custom").maxMessageSize).toBe(2000);
  expect(first.handler.network.transportInfo(Transport.FramedTcp)).toEqual(transportInfo(Transport.FramedTcp));
  expect(() => transportInfo("custom")).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedTransport }));
  first.handler.stop();
  second.handler.stop();
});

it("a node's limits come from its own adapter's info", async () => {
  const adapter = adapterWithLimit("small", 10);
  const { handler } = split({ adapters: [adapter] });
  const { addr } = await handler.network.listen("small", "memory:0");
  const endpoint = await handler.network.connectAsync("small", addr);
  expect(handler.network.send(endpoint, new Uint8Array(11))).toBe("max-size-exceeded");
  expect(handler.network.send(endpoint, new Uint8Array(10))).toBe("sent");
  handler.stop();
});
