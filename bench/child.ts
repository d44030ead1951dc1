/**
 * One side of one measurement, in a process of its own: the orchestrator (run.ts) starts a server
 * and a client per measurement, so each side has its own core and event loop, as in a deployment,
 * and the library and its baseline get the very same setup.
 */
import type { ChildMessage, Impl, Job, ServerJob } from "./jobs.js";
import { bestPeer } from "./peers/best.js";
import { libPeer } from "./peers/lib.js";
import { type Peer, UDP_BUFFER, UDP_DEFAULT_BUFFER } from "./peers/peer.js";
import { rawPeer } from "./peers/raw.js";
import { socketIoPeer } from "./peers/socketio.js";
import { blast, blastWindowed, pingPong, SinkCounter } from "./roles.js";

const peers: Record<Impl, Peer> = { lib: libPeer, best: bestPeer, raw: rawPeer, "socket.io": socketIoPeer };

function tell(message: ChildMessage, then: () => void = () => {}): void {
  process.send?.(message, then);
}

async function serve(job: ServerJob): Promise<void> {
  const counter = new SinkCounter(job.warmupMs);
  const server = await peers[job.impl].serve(job.transport, job.kind, counter.add);
  process.on("message", (message) => {
    if (message === "stats") tell({ type: "stats", stats: counter.snapshot() });
    if (message === "stop") {
      server.close();
      process.exit(0);
    }
  });
  tell({ type: "ready", addr: server.addr });
}

async function main(job: Job): Promise<void> {
  if (job.role === "server") return serve(job);
  let onMessage: (data: Uint8Array) => void = () => {};
  const link = await peers[job.impl].connect(job.transport, job.addr, (data) => onMessage(data));
  const listen = (handler: (data: Uint8Array) => void) => {
    onMessage = handler;
  };
  const result =
    job.mode === "ping"
      ? await pingPong(link, listen, job.warmupMs, job.durationMs)
      : job.transport === "udp"
        ? await blastWindowed(
            link,
            listen,
            job.size,
            job.durationMs,
            // A quarter of what the kernel gives (twice the size asked for): a window written off
            // after a stall (see blastWindowed) still fits, on a loaded machine.
            job.impl === "raw" ? UDP_DEFAULT_BUFFER : UDP_BUFFER / 2,
          )
        : await blast(link, job.size, job.burst, job.durationMs);
  // Stay connected until told to stop: the server may still be reading what was sent.
  process.on("message", (message) => {
    if (message === "stop") {
      link.close();
      process.exit(0);
    }
  });
  tell({ type: "result", result });
}

// An orphan ends itself: nothing outlives the orchestrator.
process.on("disconnect", () => process.exit(0));
main(JSON.parse(process.argv[2] ?? "{}") as Job).catch((error: unknown) => {
  tell({ type: "error", message: String(error instanceof Error ? (error.stack ?? error) : error) }, () =>
    process.exit(1),
  );
});
