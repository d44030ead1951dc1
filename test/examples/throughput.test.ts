/**
 * The throughput example prints, for every transport, positive messages and bytes per second, and
 * accounts for every byte (udp may report some lost, never more than was sent). The figures
 * themselves are not checked: speed is the benchmark suite's business, not a test's.
 */
import { Transport } from "message-io";
import { afterEach, expect, it } from "vitest";
import { killChildren, startExample } from "./children.js";

afterEach(killChildren);

it("reports messages and bytes per second for every transport", async () => {
  const run = startExample("throughput", "throughput/main.js", ["--bytes", "4000000", "--size", "4096"]);
  const exit = await run.waitForExit(60_000);
  expect(exit.code, run.output).toBe(0);
  const lines = [...run.output.matchAll(/^(\S+)\s+(\d+) msg\/s\s+([\d.]+) MB\/s(?:\s+\(([\d.]+)% lost\))?$/gm)];
  expect(lines.map((line) => line[1])).toEqual(Object.values(Transport).filter((t) => t !== Transport.Cluster));
  for (const [, transport, messages, megabytes, lost] of lines) {
    expect(Number(messages), `${transport} msg/s`).toBeGreaterThan(0);
    expect(Number(megabytes), `${transport} MB/s`).toBeGreaterThan(0);
    if (lost !== undefined) {
      expect(transport).toBe(Transport.Udp);
      expect(Number(lost)).toBeLessThan(100);
    }
  }
});
