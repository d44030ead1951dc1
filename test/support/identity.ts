/**
 * Nodes with `identity` for the tests (the recorder's `recordedNode` takes no options), stopped by
 * `stopIdentityNodes`, and a node built around the identity decorator by hand, for the tests that
 * read what only the core sees (a connection's `rtt` and `lastPingAt`, until `stats` shows them).
 */
import {
  type Adapter,
  type Codec,
  type Connection,
  type IdentityOptions,
  type NodeEvent,
  type SplitOptions,
  split,
} from "message-io";
import { identityAdapter } from "../../src/layer/identity/adapter.js";
import { identitySettings } from "../../src/layer/identity/settings.js";
import { Recorder } from "./recorder.js";

const live: Recorder<any>[] = [];

/** A recorded node made with `options`. */
export function nodeWith<S = never>(
  options: Omit<SplitOptions, "codec">,
  onEvent?: (event: NodeEvent<S>) => void,
): Recorder<S> {
  const recorder = new Recorder<S>(split<S>(options), onEvent);
  live.push(recorder);
  return recorder;
}

/** A recorded node of messages `M`, made with `options` and their `codec`. */
export function typedNode<M, S = never>(
  options: SplitOptions<M> & { codec: Codec<M> },
  onEvent?: (event: NodeEvent<S, M>) => void,
): Recorder<S> {
  const recorder = new Recorder<S>(split<S, M>(options) as never, onEvent as never);
  live.push(recorder);
  return recorder;
}

/** A recorded node with `identity`. */
export function identityNode<S = never>(
  identity: IdentityOptions,
  onEvent?: (event: NodeEvent<S>) => void,
): Recorder<S> {
  return nodeWith<S>({ identity }, onEvent);
}

export async function stopIdentityNodes(): Promise<void> {
  await Promise.all(live.splice(0).map((r) => r.stop()));
}

/**
 * A recorded node whose `adapter` is wrapped in the identity decorator by the test itself, so the
 * test holds the wrapped connections: `connections` lists them, connectors and acceptors alike.
 */
export function decoratedNode(adapter: Adapter, identity: IdentityOptions, options: SplitOptions = {}) {
  const settings = identitySettings(identity, undefined, options.clock ?? performanceClock);
  const decorated = identityAdapter(adapter, settings);
  const connections: Connection[] = [];
  const capturing: Adapter = {
    transport: adapter.transport,
    info: adapter.info,
    connect: (request) => {
      const connection = (decorated.connect as NonNullable<Adapter["connect"]>)(request);
      connections.push(connection);
      return connection;
    },
    listen: (request) =>
      (decorated.listen as NonNullable<Adapter["listen"]>)({
        ...request,
        sink: {
          ...request.sink,
          accepted: (connection, peer) => {
            connections.push(connection);
            return request.sink.accepted(connection, peer);
          },
        },
      }),
  };
  const node = nodeWith({ ...options, adapters: [capturing] });
  return { node, connections };
}

const performanceClock = {
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
};
