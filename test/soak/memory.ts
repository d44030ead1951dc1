/**
 * The soak's measurements: memory and open handles over time, and the verdict on whether they
 * stayed flat once warm.
 */
const MiB = 1024 * 1024;

export interface Sample {
  seconds: number;
  heapUsed: number;
  rss: number;
  /** Handles and requests keeping the event loop alive (sockets, servers, timers). */
  handles: number;
  /** Bytes the long-lived streams sent, and got back. */
  sentBytes: number;
  echoedBytes: number;
  churned: number;
  /** Connections the server holds. */
  open: number;
}

/** Measures now, after a full garbage collection when `--expose-gc` allows it. */
export function sample(
  started: number,
  counts: Pick<Sample, "sentBytes" | "echoedBytes" | "churned" | "open">,
): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  const handles = process.getActiveResourcesInfo().length;
  return { seconds: (performance.now() - started) / 1000, heapUsed, rss, handles, ...counts };
}

export function formatSample(s: Sample): string {
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1).padStart(6)} MiB`;
  return (
    `t=${s.seconds.toFixed(0).padStart(4)} s  heapUsed ${mib(s.heapUsed)}  rss ${mib(s.rss)}  ` +
    `handles ${String(s.handles).padStart(4)}  server connections ${String(s.open).padStart(4)}  ` +
    `streamed ${mib(s.sentBytes)} / echoed ${mib(s.echoedBytes)}  short connections ${s.churned}`
  );
}

/**
 * Compares the first and the last quarter of the samples taken after the warm-up: the heap may
 * grow by at most max(8 MiB, 10 %), the rss by max(32 MiB, 15 %), the handles by max(2, 10 %).
 * Returns what did not stay flat.
 */
export function flatness(samples: readonly Sample[]): string[] {
  if (samples.length < 4) return [`only ${samples.length} samples after the warm-up: run longer`];
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const first = samples.slice(0, quarter);
  const last = samples.slice(-quarter);
  const mean = (list: readonly Sample[], key: "heapUsed" | "rss") => list.reduce((n, s) => n + s[key], 0) / list.length;
  const max = (list: readonly Sample[]) => Math.max(...list.map((s) => s.handles));
  const problems: string[] = [];
  const grew = (name: string, before: number, after: number, allowed: number, unit: (n: number) => string) => {
    if (after - before > allowed)
      problems.push(`${name} grew from ${unit(before)} to ${unit(after)} (allowed +${unit(allowed)})`);
  };
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const heap = mean(first, "heapUsed");
  grew("heapUsed", heap, mean(last, "heapUsed"), Math.max(8 * MiB, heap * 0.1), mib);
  const rss = mean(first, "rss");
  grew("rss", rss, mean(last, "rss"), Math.max(32 * MiB, rss * 0.15), mib);
  const handles = max(first);
  grew("handles", handles, max(last), Math.max(2, Math.ceil(handles * 0.1)), String);
  return problems;
}
