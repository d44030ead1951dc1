/** The status bar and the scoreboard: DOM updates only when what they show changes. */
import type { GameClient } from "./client.js";

export class StatusBar {
  private shown = "";
  private board = "";

  constructor(
    private readonly bar: HTMLElement,
    private readonly scores: HTMLElement,
  ) {}

  update(client: GameClient, now: number): void {
    const detail = this.detail(client, now);
    // The library's round trip, with its sub-millisecond resolution: on loopback it is well under 1 ms.
    const rtt = client.rtt === undefined ? "–" : `${client.rtt.toFixed(1)} ms`;
    const online = client.state === "connected" ? String(client.roster.size) : "–";
    const key = [client.state, detail, rtt, online].join("|");
    if (key !== this.shown) {
      this.shown = key;
      this.bar.dataset.state = client.state;
      this.text("#conn", client.state);
      this.text("#retry", detail);
      this.text("#rtt", rtt);
      this.text("#online", online);
    }
    this.updateScores(client);
  }

  /** Beside the state: "reconnecting (attempt n, next in t s)", or why the connection ended. */
  private detail(client: GameClient, now: number): string {
    switch (client.state) {
      case "reconnecting": {
        if (client.retryAt === undefined) return "";
        return `(attempt ${client.attempt}, next in ${Math.max(0, Math.ceil((client.retryAt - now) / 1000))} s)`;
      }
      case "replaced":
        return "(by another tab or window)";
      case "refused":
        return `(${client.reason ?? "no reason given"})`;
      default:
        return "";
    }
  }

  private updateScores(client: GameClient): void {
    const scores = new Map((client.latest?.players ?? []).map((p) => [p.id, p.score]));
    const rows = [...client.roster.values()]
      .map((p) => ({ ...p, score: scores.get(p.id) ?? 0, self: p.id === client.selfId }))
      .sort((a, b) => b.score - a.score || a.id - b.id);
    const key = JSON.stringify(rows);
    if (key === this.board) return;
    this.board = key;
    this.scores.replaceChildren(
      ...rows.map((row) => {
        const item = document.createElement("li");
        item.className = row.self ? "self" : "";
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = `hsl(${row.hue} 80% 60%)`;
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = row.self ? `${row.name} (you)` : row.name;
        const score = document.createElement("span");
        score.className = "score";
        score.textContent = String(row.score);
        item.append(swatch, name, score);
        return item;
      }),
    );
    if (rows.length === 0) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "nobody yet";
      this.scores.append(empty);
    }
  }

  private text(selector: string, value: string): void {
    const element = this.bar.querySelector(selector);
    if (element !== null) element.textContent = value;
  }
}
