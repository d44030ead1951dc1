/** socket.io on its WebSocket transport only (no long-polling), sending one binary event per message. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io } from "socket.io-client";
import type { Peer } from "./peer.js";

export const socketIoPeer: Peer = {
  serve(transport, kind, onBytes) {
    if (transport !== "ws") throw new Error("socket.io runs over ws only");
    const httpServer = http.createServer();
    const server = new Server(httpServer, { transports: ["websocket"], serveClient: false, perMessageDeflate: false });
    server.on("connection", (socket) => {
      socket.on("m", (data: Buffer) => {
        onBytes(data.length);
        if (kind === "echo") socket.emit("m", data);
      });
    });
    return new Promise((resolve) => {
      httpServer.listen(0, "127.0.0.1", () => {
        const { port } = httpServer.address() as AddressInfo;
        resolve({ addr: `127.0.0.1:${port}`, close: () => server.close() });
      });
    });
  },

  connect(transport, addr, onMessage) {
    if (transport !== "ws") throw new Error("socket.io runs over ws only");
    const socket = io(`http://${addr}`, { transports: ["websocket"], forceNew: true, reconnection: false });
    socket.on("m", onMessage);
    // socket.io has no public backlog count: its engine's write buffer plus the WebSocket's.
    const engine = socket.io.engine as unknown as {
      writeBuffer: unknown[];
      transport?: { ws?: { bufferedAmount: number } };
    };
    let size = 0;
    return new Promise((resolve, reject) => {
      socket.once("connect_error", reject);
      socket.once("connect", () => {
        resolve({
          send: (data) => {
            size = data.length;
            socket.emit("m", data);
          },
          pending: () => engine.writeBuffer.length * size + (engine.transport?.ws?.bufferedAmount ?? 0),
          close: () => socket.disconnect(),
        });
      });
    });
  },
};
