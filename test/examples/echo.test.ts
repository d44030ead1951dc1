/**
 * The all-in-one echo server and the echo client of the README, as users run them: one server on
 * every transport, and the same client with only the transport's name changed.
 */
import { Transport } from "message-io";
import { afterEach, expect, it } from "vitest";
import { killChildren, startExample } from "./children.js";

afterEach(killChildren);

it("answers the echo client on every transport, changed by one word", async () => {
  const server = startExample("echo server", "echo-server.js", ["0"]);
  const listening = await server.waitForCount(/echo server: (\S+) +(127\.0\.0\.1:\d+)/, 4);
  const addresses = new Map(listening.map(([, transport, addr]) => [transport, addr]));
  expect([...addresses.keys()]).toEqual(Object.values(Transport).filter((t) => t !== Transport.Cluster));

  for (const [transport, addr] of addresses) {
    const client = startExample(`${transport} client`, "echo-client.js", [transport as string, addr as string]);
    await client.waitFor(`connected to ${addr} over ${transport}`);
    // A stream transport may merge the three answers into one chunk: check the bytes, in order.
    await client.waitFor(/hello #1[\s\S]*hello #2[\s\S]*hello #3/);
    expect((await client.waitForExit()).code).toBe(0);
  }
  await server.waitForCount(/ connected/, 3); // the three connection-oriented transports
});
