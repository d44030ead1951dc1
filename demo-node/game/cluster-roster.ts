/**
 * The clustered demo's cross-process feature: the roster (who is online, shown on every page's
 * scoreboard and "online" count) lists the players of every server process. Each process tells
 * the others its own players whenever they change, and when another process appears.
 */
import { type Endpoint, type NetEvent, type NetworkController, Transport, transportOf } from "message-io";
import { asServerMessage, type RosterEntry, type Wire } from "./protocol.js";

export class ClusterRoster {
  /** The other processes (cluster endpoints), and their players. */
  private readonly others = new Map<Endpoint, readonly RosterEntry[]>();

  constructor(private readonly network: NetworkController<Wire>) {}

  /** Whether `event` is about another process rather than a player. */
  owns(event: NetEvent<Wire>): boolean {
    return transportOf(event.endpoint.id) === Transport.Cluster;
  }

  /** Handles an event of another process: `true` when the roster the players see changed. */
  handle(event: NetEvent<Wire>, local: RosterEntry[]): boolean {
    switch (event.type) {
      case "accepted":
        this.others.set(event.endpoint, []);
        this.network.send(event.endpoint, { type: "roster", players: local });
        return false;
      case "message": {
        const message = asServerMessage(event.message);
        if (message?.type !== "roster" || !this.others.has(event.endpoint)) return false;
        this.others.set(event.endpoint, message.players);
        return true;
      }
      case "disconnected":
        return this.others.delete(event.endpoint);
      default:
        return false;
    }
  }

  /** This process's players changed: tell the others. */
  share(local: RosterEntry[]): void {
    const message: Wire = { type: "roster", players: local };
    for (const other of this.others.keys()) this.network.send(other, message);
  }

  /** Every process's players, this one's first. */
  players(local: RosterEntry[]): RosterEntry[] {
    return [...local, ...[...this.others.values()].flat()];
  }
}
