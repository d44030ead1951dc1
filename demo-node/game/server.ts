/**
 * The authoritative game server: one node, one port. An `http` server serves the built page, and the
 * library's `ws` listener attaches to it on `GAME_PATH` (the `webrtc` listener's signalling on `RTC_PATH`). The world is stepped at a fixed rate driven
 * by timer signals, and every player gets the whole state after each step. Messages are values
 * (the `msgpack` codec, protocol.ts).
 *
 * Players are keyed by peer id (the library's `identity`): the page's id survives a reload, so a
 * reloaded page takes over its player, kept aside meanwhile for `AWAY_MS`. A second tab with the same
 * id takes it over too: the library ends the older connection with `REPLACED`, on both sides.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Endpoint, ErrorCode, formatHostPort, split, Transport } from "message-io";
import { ClusterRoster } from "./cluster-roster.js";
import {
  acceptHello,
  asClientMessage,
  GAME_PATH,
  gameCodec,
  RTC_PATH,
  readHello,
  SERVER_ID,
  type ServerMessage,
  type Wire,
} from "./protocol.js";
import { serveStatic } from "./static.js";
import {
  ARENA,
  addPlayer,
  createWorld,
  dropAway,
  MAX_PLAYERS,
  type Player,
  playerOf,
  playing,
  roster,
  setAway,
  setInput,
  snapshot,
  step,
  takeOver,
} from "./world.js";

export interface GameServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The folder of the built page (demo-web/dist). */
  webRoot: string;
  /** World steps per second. Default 30. */
  tickRate?: number;
  log?: (line: string) => void;
  /**
   * `npm run start:cluster`: meet the other server processes on this Redis (`Transport.Cluster`)
   * and list their players too; this process numbers its players from `firstPlayerId`.
   */
  cluster?: { redis: string; nodeId: string; firstPlayerId: number };
}

export interface GameServer {
  /** The page's URL, with the real port. */
  readonly url: string;
  readonly port: number;
  /** Settles when the server has stopped. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/** A connection's player. */
interface Session {
  readonly player: Player;
  /** Input messages received on this connection: the log shows them when the player leaves. */
  inputs: number;
}

/** How long a player who left is kept for its page to come back (a reload, a dropped link). */
const AWAY_MS = 30_000;

/** A slow client whose queue holds more than this gets no state until it catches up: states replace each other. */
const MAX_BACKLOG = 64 * 1024;

export async function startGameServer(options: GameServerOptions): Promise<GameServer> {
  const { host, port, webRoot, tickRate = 30, log = console.log } = options;
  const { handler, listener } = split<"tick", Wire>({
    codec: gameCodec(),
    // Pages of another version are refused with the reason, which they show; the pages ping.
    identity: { id: SERVER_ID, accept: (peer) => acceptHello(peer.hello) },
  });
  const http = createServer((request, response) => void serveStatic(webRoot, request, response));
  http.on("clientError", (_error, socket) => socket.destroy());
  let bound: AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen({ host, port }, () => {
        http.off("error", reject);
        resolve();
      });
    });
    bound = http.address() as AddressInfo;
    await handler.network.listen(Transport.Ws, formatHostPort(bound.address, bound.port), {
      server: http,
      path: GAME_PATH,
      heartbeat: 5000,
      maxMessageSize: 64 * 1024,
      maxConnections: MAX_PLAYERS * 2,
    });
    // The same game over unreliable, unordered data channels, for pages opened with ?transport=webrtc.
    await handler.network.listen(Transport.WebRtc, formatHostPort(bound.address, bound.port), {
      server: http,
      path: RTC_PATH,
      maxConnections: MAX_PLAYERS * 2,
    });
    if (options.cluster !== undefined) {
      const { redis, nodeId } = options.cluster;
      await handler.network.listen(Transport.Cluster, redis, { cluster: "orb-rush", nodeId });
    }
  } catch (error) {
    handler.stop();
    http.close();
    throw error;
  }

  const world = createWorld();
  if (options.cluster !== undefined) world.nextId = options.cluster.firstPlayerId;
  const others = options.cluster === undefined ? undefined : new ClusterRoster(handler.network);
  const sessions = new Map<Endpoint, Session>();
  /** The connection of each owner whose player is playing. */
  const links = new Map<string, Endpoint>();
  const period = 1000 / tickRate;
  let nextTickAt = performance.now() + period;
  handler.signals.sendWithTimer("tick", period);

  const send = (endpoint: Endpoint, message: ServerMessage) => handler.network.send(endpoint, message);
  const broadcast = (message: ServerMessage, skipSlow = false) => {
    for (const endpoint of sessions.keys()) {
      if (skipSlow && handler.network.pendingBytes(endpoint) > MAX_BACKLOG) continue;
      send(endpoint, message);
    }
  };
  const online = () => `${playing(world).length} online`;

  /** A peer passed `accept`: its player, kept or new, is this connection's from now on. */
  const join = (endpoint: Endpoint, owner: string, name: string) => {
    const kept = playerOf(world, owner);
    const older = links.get(owner);
    if (older !== undefined) sessions.delete(older); // its REPLACED end follows: the player is not leaving
    const player = kept ?? addPlayer(world, owner, name);
    if (player === undefined) {
      handler.network.remove(endpoint.id); // the arena is full
      return;
    }
    if (kept !== undefined) takeOver(kept, name);
    links.set(owner, endpoint);
    sessions.set(endpoint, { player, inputs: 0 });
    const how = kept === undefined ? "joined" : "back";
    log(`${how}: ${player.name} (#${player.id}) as ${owner} from ${endpoint.addr}, ${online()}`);
    send(endpoint, { type: "welcome", id: player.id, tickRate, ...ARENA });
    announceRoster();
  };

  /** A connection ended: its player waits aside for the page to come back, unless a newer one took it. */
  const leave = (endpoint: Endpoint, session: Session, replaced: boolean) => {
    sessions.delete(endpoint);
    const { player, inputs } = session;
    if (links.get(player.owner) === endpoint) links.delete(player.owner);
    if (replaced) {
      // The newer connection's `accepted` comes next and takes the player over.
      log(`replaced: ${player.name} (#${player.id}) after ${inputs} inputs, by a newer connection of ${player.owner}`);
      return;
    }
    setAway(player, performance.now());
    log(`left: ${player.name} (#${player.id}) after ${inputs} inputs, ${online()}`);
    announceRoster();
  };
  /** The roster every page shows: with a cluster, the players of every process. */
  const announceRoster = () => {
    others?.share(roster(world));
    broadcast({ type: "roster", players: others?.players(roster(world)) ?? roster(world) });
  };

  const done = listener.forEach((event) => {
    if (others !== undefined && event.type !== "signal" && others.owns(event)) {
      // Only this process's players hear of it: telling the others back would echo forever.
      if (others.handle(event, roster(world))) broadcast({ type: "roster", players: others.players(roster(world)) });
      return;
    }
    switch (event.type) {
      case "accepted": {
        // `accept` let only hellos of this version through; the check also narrows the type.
        const hello = readHello(event.peer?.hello);
        if (event.peer !== undefined && typeof hello !== "string") join(event.endpoint, event.peer.id, hello.name);
        break;
      }
      case "message": {
        const session = sessions.get(event.endpoint);
        const message = asClientMessage(event.message);
        if (session === undefined || message === undefined) break;
        session.inputs += 1;
        setInput(world, session.player.id, message.keys);
        break;
      }
      case "disconnected": {
        // A client whose message did not decode ends here too (DECODE_ERROR): like any other leave.
        const session = sessions.get(event.endpoint);
        if (session !== undefined) leave(event.endpoint, session, event.error?.code === ErrorCode.Replaced);
        break;
      }
      case "signal": {
        for (const gone of dropAway(world, performance.now() - AWAY_MS))
          log(`gone: ${gone.name} (#${gone.id}), away too long`);
        step(world, 1 / tickRate);
        broadcast({ type: "state", ...snapshot(world) }, true);
        // Aim at a fixed schedule, so that timer lateness does not add up; after a long stall, skip ahead.
        const now = performance.now();
        nextTickAt += period;
        if (nextTickAt < now - 5 * period) nextTickAt = now + period;
        handler.signals.sendWithTimer("tick", Math.max(0, nextTickAt - now));
        break;
      }
    }
  });

  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  const url = `http://${formatHostPort(shownHost, bound.port)}/`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      handler.stop();
      await done.catch(() => {});
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    })();
    return closing;
  };
  return { url, port: bound.port, done: done.finally(() => close()), close };
}
