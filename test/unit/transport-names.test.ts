/** A transport name the node does not know says so and lists the ones it knows (a typo once read "cannot use transport on this platform"). */
import { ErrorCode, Transport } from "message-io";
import { split as browserSplit } from "message-io/browser";
import { split } from "message-io/node";
import { expect, it } from "vitest";

it("a misspelt transport is unknown, and the error lists the known ones", async () => {
  const { handler } = split();
  const unknown = expect.objectContaining({
    code: ErrorCode.UnsupportedTransport,
    message: expect.stringMatching(/^unknown transport "framedtcp"; this node knows "tcp", "framed-tcp", "udp", "ws"/),
  });
  expect(() => handler.network.connect("framedtcp", "127.0.0.1:9")).toThrow(unknown);
  await expect(handler.network.listen("framedtcp", "127.0.0.1:0")).rejects.toThrow(unknown);
  handler.stop();
});

it("a built-in transport the platform lacks is unsupported here, not unknown", () => {
  const { handler } = browserSplit();
  // The browser build's types refuse it already; this is the run-time answer for JavaScript callers.
  const connect = handler.network.connect.bind(handler.network) as (transport: string, remote: string) => unknown;
  expect(() => connect(Transport.FramedTcp, "127.0.0.1:9")).toThrow(
    expect.objectContaining({
      code: ErrorCode.UnsupportedTransport,
      message: 'cannot use transport "framed-tcp" on this platform',
    }),
  );
  handler.stop();
});
