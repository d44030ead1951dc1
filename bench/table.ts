/** The results as a Markdown table. */
export interface Row {
  transport: string;
  test: string;
  lib: string;
  best: string;
  libBest: string;
  raw: string;
  libRaw: string;
  socketIo: string;
  libSocketIo: string;
}

const HEADER: Row = {
  transport: "transport",
  test: "test",
  lib: "library",
  best: "best raw",
  libBest: "**library/best raw**",
  raw: "naive raw",
  libRaw: "library/naive raw",
  socketIo: "socket.io",
  libSocketIo: "library/socket.io",
};

export class Table {
  private readonly rows: Row[] = [];

  get size(): number {
    return this.rows.length;
  }

  add(row: Row): void {
    this.rows.push(row);
  }

  render(): string {
    const keys = Object.keys(HEADER) as (keyof Row)[];
    const line = (row: Row) => `| ${keys.map((key) => row[key]).join(" | ")} |`;
    return [line(HEADER), `|${keys.map(() => " --- ").join("|")}|`, ...this.rows.map(line)].join("\n");
  }
}

export function formatRate(messagesPerSecond: number, megabytesPerSecond: number, lost?: number): string {
  const rate =
    messagesPerSecond >= 1e6
      ? `${(messagesPerSecond / 1e6).toFixed(2)} M/s`
      : `${(messagesPerSecond / 1e3).toFixed(1)} k/s`;
  const loss = lost === undefined ? "" : `, ${(Math.max(0, lost) * 100).toFixed(0)}% lost`;
  return `${rate} (${megabytesPerSecond.toFixed(0)} MB/s${loss})`;
}

export function formatLatency(microseconds: number): string {
  return `${microseconds.toFixed(1)} µs`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "";
}
