/**
 * A progress line with throughput: redrawn in place on a terminal, and printed once per tenth
 * when the output is a file or a pipe (so logs stay readable).
 */

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastTenth = -1;
  private readonly tty = process.stdout.isTTY === true;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** `done` bytes of `total` have gone out. */
  update(done: number, force = false): void {
    const now = performance.now();
    const fraction = this.total === 0 ? 1 : Math.min(Math.max(done / this.total, 0), 1);
    const tenth = Math.floor(fraction * 10);
    if (this.tty ? !force && now - this.lastDraw < REDRAW_MS : !force && tenth === this.lastTenth) return;
    this.lastDraw = now;
    this.lastTenth = tenth;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
    const rate = done / Math.max((now - this.started) / 1000, 1e-3);
    const line = `${this.label} [${bar}] ${Math.floor(fraction * 100)}% ${formatBytes(rate)}/s`;
    if (this.tty) process.stdout.write(`\r${line}\x1b[K`);
    else console.log(line);
  }

  /** Ends the redrawn line. */
  finish(): void {
    if (this.tty) process.stdout.write("\n");
  }
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
