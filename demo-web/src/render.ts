/** Draws the arena on a canvas, in arena units scaled to the canvas's pixels. */
import type { RosterEntry } from "../../demo-node/game/protocol.js";
import type { Sample } from "./interpolation.js";

const PLAYER_RADIUS = 18;
const ORB_RADIUS = 8;
const GRID = 40;

export interface Scene {
  arena: { width: number; height: number };
  sample: Sample | undefined;
  roster: ReadonlyMap<number, RosterEntry>;
  selfId: number | undefined;
  /** A message across the arena (when not connected). */
  banner: string | undefined;
  time: number;
}

export class Renderer {
  private readonly context: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const context = canvas.getContext("2d");
    if (context === null) throw new Error("this browser cannot draw on a canvas");
    this.context = context;
  }

  draw(scene: Scene): void {
    const { canvas, context: g } = this;
    const { width, height } = scene.arena;
    // Match the backing store to the displayed size, for crisp drawing on any screen.
    const ratio = window.devicePixelRatio || 1;
    const pixelWidth = Math.round(canvas.clientWidth * ratio);
    const pixelHeight = Math.round(((canvas.clientWidth * height) / width) * ratio);
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    g.setTransform(pixelWidth / width, 0, 0, pixelHeight / height, 0, 0);

    g.fillStyle = "#0f1623";
    g.fillRect(0, 0, width, height);
    g.strokeStyle = "rgba(148, 163, 184, 0.08)";
    g.lineWidth = 1;
    g.beginPath();
    for (let x = GRID; x < width; x += GRID) {
      g.moveTo(x, 0);
      g.lineTo(x, height);
    }
    for (let y = GRID; y < height; y += GRID) {
      g.moveTo(0, y);
      g.lineTo(width, y);
    }
    g.stroke();

    const sample = scene.sample;
    if (sample !== undefined) {
      const pulse = 1 + 0.15 * Math.sin(scene.time / 200);
      for (const orb of sample.orbs) {
        g.shadowColor = "#facc15";
        g.shadowBlur = 16;
        g.fillStyle = "#fde047";
        g.beginPath();
        g.arc(orb.x, orb.y, ORB_RADIUS * pulse, 0, Math.PI * 2);
        g.fill();
      }
      g.shadowBlur = 0;
      // The player's own disc last, on top of the others.
      const players = [...sample.players].sort((a, b) => Number(a.id === scene.selfId) - Number(b.id === scene.selfId));
      for (const player of players) {
        const entry = scene.roster.get(player.id);
        const hue = entry?.hue ?? 0;
        const self = player.id === scene.selfId;
        g.fillStyle = `hsl(${hue} 80% 60%)`;
        g.beginPath();
        g.arc(player.x, player.y, PLAYER_RADIUS, 0, Math.PI * 2);
        g.fill();
        g.lineWidth = self ? 4 : 2;
        g.strokeStyle = self ? "#ffffff" : `hsl(${hue} 80% 35%)`;
        g.stroke();
        g.font = "600 14px system-ui, sans-serif";
        g.textAlign = "center";
        g.textBaseline = "bottom";
        g.fillStyle = "#e2e8f0";
        g.fillText(entry?.name ?? "…", player.x, player.y - PLAYER_RADIUS - 6);
        g.font = "700 13px system-ui, sans-serif";
        g.textBaseline = "middle";
        g.fillStyle = "#0f1623";
        g.fillText(String(player.score), player.x, player.y + 1);
      }
    }

    if (scene.banner !== undefined) {
      g.fillStyle = "rgba(15, 22, 35, 0.72)";
      g.fillRect(0, 0, width, height);
      g.font = "600 26px system-ui, sans-serif";
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.fillStyle = "#f1f5f9";
      g.fillText(scene.banner, width / 2, height / 2, width - 40); // a long reason is squeezed, not cut
    }
  }
}
