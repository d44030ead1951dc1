/**
 * The contract kit (`message-io/testing`) over every connection-oriented adapter of the package:
 * the built-in stream and WebSocket transports and the in-memory template. The Unix-socket example
 * runs it in test/examples/unix-socket-adapter.test.ts.
 */
import { memoryAdapter, Transport } from "message-io";
import { describeAdapterContract } from "message-io/testing";
import { afterEach, describe, expect, it } from "vitest";
import { concatBytes, patternBytes } from "../support/bytes.js";
import { isMessage, type Recorder, recordedNode, sameBytes, stopAll } from "../support/recorder.js";

const LOCAL = "127.0.0.1:0";

describeAdapterContract({ transport: Transport.Tcp, listenAddr: LOCAL });
describeAdapterContract({ transport: Transport.FramedTcp, listenAddr: LOCAL, enforcesPeerLimit: true });
describeAdapterContract({ transport: Transport.Ws, listenAddr: LOCAL, enforcesPeerLimit: true });
describeAdapterContract({ transport: "memory", adapters: [memoryAdapter()], listenAddr: "memory:0" });

/**
 * The Node adapters write a turn's small messages into one staging buffer and large ones on their
 * own (platform/node/coalesce.ts): order and bytes must hold across both, with the caller's scratch
 * buffer reused at once.
 */
describe.each([Transport.Tcp, Transport.FramedTcp, Transport.Ws])(
  "%s, one turn of small and large messages",
  (transport) => {
    afterEach(stopAll);

    it("keeps their order and bytes", async () => {
      const server: Recorder = recordedNode((event) => {
        if (event.type === "message") server.network.send(event.endpoint, event.data);
      });
      const { addr } = await server.network.listen(transport, LOCAL);
      const client = recordedNode();
      const endpoint = await client.network.connectAsync(transport, addr);
      // More than one staging buffer's worth of small messages, and large ones between them.
      const sizes = Array.from({ length: 400 }, (_, i) => [1, 100, 1023, 1024, 1500, 64, 20_000][i % 7] as number);
      const scratch = new Uint8Array(20_000);
      const expected: Uint8Array[] = [];
      for (const [i, size] of sizes.entries()) {
        const message = patternBytes(size, i + 1);
        scratch.set(message);
        client.network.send(endpoint, scratch.subarray(0, size));
        scratch.fill(0);
        expected.push(message);
      }
      const all = concatBytes(expected);
      const received = () => concatBytes(client.events.filter(isMessage).map((event) => event.data));
      for (let count = 1; received().length < all.length; count++) await client.waitForCount(isMessage, count);
      expect(sameBytes(received(), all)).toBe(true);
    });
  },
);
