/**
 * The authoritative game server: one node, one port. An `http` server serves the built page, and the
 * library's `ws` listener attaches to it on `GAME_PATH` (the `webrtc` listener's signalling on `RTC_PATH`). The world is stepped at a fixed rate driven
 * by timer signals, and every player gets the whole state after each step.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Endpoint, formatHostPort, split, Transport } from "message-io";
import { decodeClient, encodeServer, GAME_PATH, RTC_PATH, type ServerMessage } from "./protocol.js";
import { serveStatic } from "./static.js";
import { ARENA, addPlayer, createWorld, MAX_PLAYERS, removePlayer, roster, setInput, snapshot, step } from "./world.js";

export interface GameServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The folder of the built page (demo-web/dist). */
  webRoot: string;
  /** World steps per second. Default 30. */
  tickRate?: number;
  log?: (line: string) => void;
}

export interface GameServer {
  /** The page's URL, with the real port. */
  readonly url: string;
  readonly port: number;
  /** Settles when the server has stopped. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

interface Session {
  playerId?: number;
  name?: string;
}

/** A slow client whose queue holds more than this gets no state until it catches up: states replace each other. */
const MAX_BACKLOG = 64 * 1024;

export async function startGameServer(options: GameServerOptions): Promise<GameServer> {
  const { host, port, webRoot, tickRate = 30, log = console.log } = options;
  const { handler, listener } = split<"tick">();
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
  } catch (error) {
    handler.stop();
    http.close();
    throw error;
  }

  const world = createWorld();
  const sessions = new Map<Endpoint, Session>();
  const period = 1000 / tickRate;
  let nextTickAt = performance.now() + period;
  handler.signals.sendWithTimer("tick", period);

  const send = (endpoint: Endpoint, message: ServerMessage) => handler.network.send(endpoint, encodeServer(message));
  const broadcast = (message: ServerMessage, skipSlow = false) => {
    const bytes = encodeServer(message);
    for (const [endpoint, session] of sessions) {
      if (session.playerId === undefined) continue;
      if (skipSlow && handler.network.pendingBytes(endpoint) > MAX_BACKLOG) continue;
      handler.network.send(endpoint, bytes);
    }
  };
  const leave = (session: Session) => {
    if (session.playerId === undefined) return;
    removePlayer(world, session.playerId);
    log(`left: ${session.name} (#${session.playerId}), ${world.players.size} online`);
    session.playerId = undefined;
    broadcast({ type: "roster", players: roster(world) });
  };

  const done = listener.forEach((event) => {
    switch (event.type) {
      case "accepted":
        sessions.set(event.endpoint, {});
        break;
      case "message": {
        const session = sessions.get(event.endpoint);
        const message = decodeClient(event.data);
        if (session === undefined || message === undefined) break;
        switch (message.type) {
          case "hello": {
            if (session.playerId !== undefined) break;
            const player = addPlayer(world, message.name);
            if (player === undefined) {
              handler.network.remove(event.endpoint.id); // the arena is full
              sessions.delete(event.endpoint);
              break;
            }
            session.playerId = player.id;
            session.name = player.name;
            log(`joined: ${player.name} (#${player.id}) from ${event.endpoint.addr}, ${world.players.size} online`);
            send(event.endpoint, { type: "welcome", id: player.id, tickRate, ...ARENA });
            broadcast({ type: "roster", players: roster(world) });
            break;
          }
          case "input":
            if (session.playerId !== undefined) setInput(world, session.playerId, message.keys);
            break;
          case "ping":
            send(event.endpoint, { type: "pong", time: message.time });
            break;
        }
        break;
      }
      case "disconnected": {
        const session = sessions.get(event.endpoint);
        sessions.delete(event.endpoint);
        if (session !== undefined) leave(session);
        break;
      }
      case "signal": {
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
