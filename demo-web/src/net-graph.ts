/**
 * The net graph: what game developers look at to tune netcode. Toggled with the N key, it plots the
 * last 30 s of the connection as the library counts it: the round trip, and messages and bytes per
 * second each way. Drawn only while shown.
 */
import { HISTORY_MS, type NetHistory, type NetSample } from "./net-history.js";

const IN = "#22c55e";
const OUT = "#60a5fa";
const RTT = "#fde047";

interface Panel {
  readonly title: string;
  readonly series: { color: string; pick: (sample: NetSample) => number | undefined }[];
  readonly unit: (value: number) => string;
}

const PANELS: Panel[] = [
  { title: "round trip", series: [{ color: RTT, pick: (s) => s.rtt }], unit: (v) => `${v.toFixed(1)} ms` },
  {
    title: "messages/s",
    series: [
      { color: IN, pick: (s) => s.messagesInPerSecond },
      { color: OUT, pick: (s) => s.messagesOutPerSecond },
    ],
    unit: (v) => v.toFixed(0),
  },
  {
    title: "bytes/s",
    series: [
      { color: IN, pick: (s) => s.bytesInPerSecond },
      { color: OUT, pick: (s) => s.bytesOutPerSecond },
    ],
    unit: kilo,
  },
];

export class NetGraph {
  private visible = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly history: NetHistory,
  ) {
    this.root.hidden = true;
  }

  toggle(): void {
    this.visible = !this.visible;
    this.root.hidden = !this.visible;
  }

  get shown(): boolean {
    return this.visible;
  }

  draw(now: number): void {
    if (!this.visible) return;
    this.figures();
    const g = this.canvas.getContext("2d");
    if (g === null) return;
    const { width, height } = this.canvas;
    g.clearRect(0, 0, width, height);
    g.fillStyle = "rgba(10, 15, 24, 0.85)";
    g.fillRect(0, 0, width, height);
    const panelHeight = height / PANELS.length;
    PANELS.forEach((panel, i) => this.drawPanel(g, panel, i * panelHeight, width, panelHeight, now));
  }

  private drawPanel(
    g: CanvasRenderingContext2D,
    panel: Panel,
    top: number,
    width: number,
    height: number,
    now: number,
  ) {
    const samples = this.history.samples;
    const values = samples.flatMap((s) => panel.series.map((series) => series.pick(s) ?? 0));
    const max = Math.max(1, ...values) * 1.15;
    const x = (at: number) => width - ((now - at) / HISTORY_MS) * width;
    const y = (value: number) => top + height - 4 - (value / max) * (height - 22);
    g.strokeStyle = "rgba(148, 163, 184, 0.25)";
    g.beginPath();
    g.moveTo(0, top + height - 0.5);
    g.lineTo(width, top + height - 0.5);
    g.stroke();
    for (const series of panel.series) {
      g.strokeStyle = series.color;
      g.lineWidth = 1.5;
      g.beginPath();
      let started = false;
      for (const sample of samples) {
        const value = series.pick(sample);
        if (value === undefined) {
          started = false;
          continue;
        }
        if (started) g.lineTo(x(sample.at), y(value));
        else g.moveTo(x(sample.at), y(value));
        started = true;
      }
      g.stroke();
    }
    g.fillStyle = "#cbd5e1";
    g.font = "11px system-ui, sans-serif";
    g.fillText(`${panel.title} (max ${panel.unit(max / 1.15)}, 30 s)`, 6, top + 13);
  }

  /** The newest figures as text, beside the graph (and for the end-to-end test). */
  private figures(): void {
    const figures = this.history.figures();
    const set = (id: string, text: string) => {
      const element = this.root.querySelector(`#${id}`);
      if (element !== null && element.textContent !== text) element.textContent = text;
    };
    set("net-rtt", figures?.rtt === undefined ? "–" : `${figures.rtt.toFixed(1)} ms`);
    set(
      "net-in",
      figures === undefined
        ? "–"
        : `${figures.messagesInPerSecond.toFixed(1)} msg/s, ${kilo(figures.bytesInPerSecond)}/s`,
    );
    set(
      "net-out",
      figures === undefined
        ? "–"
        : `${figures.messagesOutPerSecond.toFixed(1)} msg/s, ${kilo(figures.bytesOutPerSecond)}/s`,
    );
  }
}

function kilo(bytes: number): string {
  return bytes >= 1000 ? `${(bytes / 1000).toFixed(1)} kB` : `${bytes.toFixed(0)} B`;
}
