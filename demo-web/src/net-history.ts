/**
 * What the net graph plots, from the library's statistics of the connection (`stats(endpoint)`):
 * sampled twice a second, kept for 30 s, turned into rates each way and the round trip.
 */
import type { ConnectionStats } from "message-io";

/** One point of the graph: rates over the last sample period. */
export interface NetSample {
  /** `performance.now()` of the sample. */
  readonly at: number;
  /** Round trip in ms, when known. */
  readonly rtt: number | undefined;
  readonly messagesInPerSecond: number;
  readonly messagesOutPerSecond: number;
  readonly bytesInPerSecond: number;
  readonly bytesOutPerSecond: number;
}

export const SAMPLE_EVERY_MS = 500;
export const HISTORY_MS = 30_000;
/** The figures shown are averages over this long: a ping a second must not blink between 0 and 2. */
const FIGURES_OVER_MS = 2_000;

export class NetHistory {
  readonly samples: NetSample[] = [];
  /** Samples taken since the page opened: grows while the graph is live. */
  taken = 0;
  private last: { at: number; stats: ConnectionStats } | undefined;

  /** Takes a sample when one is due. `stats` is `undefined` while there is no connection. */
  update(stats: ConnectionStats | undefined, now: number, rtt: number | undefined): void {
    if (this.last !== undefined && now - this.last.at < SAMPLE_EVERY_MS) return;
    const previous = this.last;
    this.last = stats === undefined ? undefined : { at: now, stats };
    // A new connection starts its counts at zero: rates need two samples of the same one.
    if (stats === undefined || previous === undefined || stats.openedAt !== previous.stats.openedAt) return;
    const seconds = (now - previous.at) / 1000;
    const rate = (key: keyof Omit<ConnectionStats, "rtt" | "openedAt" | "lastReceivedAt">) =>
      (stats[key] - previous.stats[key]) / seconds;
    this.samples.push({
      at: now,
      rtt,
      messagesInPerSecond: rate("messagesReceived"),
      messagesOutPerSecond: rate("messagesSent"),
      bytesInPerSecond: rate("bytesReceived"),
      bytesOutPerSecond: rate("bytesSent"),
    });
    this.taken++;
    while (this.samples.length > 0 && (this.samples[0] as NetSample).at < now - HISTORY_MS) this.samples.shift();
  }

  /** The figures shown beside the graph: rates averaged over the last two seconds, the newest rtt. */
  figures(): Omit<NetSample, "at"> | undefined {
    const newest = this.samples.at(-1);
    if (newest === undefined) return undefined;
    const recent = this.samples.filter((sample) => sample.at > newest.at - FIGURES_OVER_MS);
    const mean = (pick: (sample: NetSample) => number) =>
      recent.reduce((sum, sample) => sum + pick(sample), 0) / recent.length;
    return {
      rtt: newest.rtt,
      messagesInPerSecond: mean((s) => s.messagesInPerSecond),
      messagesOutPerSecond: mean((s) => s.messagesOutPerSecond),
      bytesInPerSecond: mean((s) => s.bytesInPerSecond),
      bytesOutPerSecond: mean((s) => s.bytesOutPerSecond),
    };
  }

  /** The connection is gone: the graph keeps its history, and rates start again with the next one. */
  reset(): void {
    this.last = undefined;
  }
}
