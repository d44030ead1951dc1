/**
 * A type test, checked by `tsc` (npm run typecheck): the browser build's types refuse at compile
 * time what fails in a browser at run time. Each `@ts-expect-error` fails the check if the line
 * below it compiles. Never run: it only has to type-check.
 */
import { split, Transport } from "message-io/browser";

export function browserTypes(): void {
  const { handler } = split();
  // @ts-expect-error no built-in transport listens in a browser
  void handler.network.listen(Transport.Ws, "127.0.0.1:0");
  // @ts-expect-error tcp needs Node
  handler.network.connect(Transport.Tcp, "127.0.0.1:3042");
  // @ts-expect-error framed-tcp needs Node
  handler.network.connect(Transport.FramedTcp, "127.0.0.1:3042");
  // @ts-expect-error udp needs Node
  void handler.network.connectAsync("udp", "127.0.0.1:3042");
  // What a browser can do compiles, with the transport's options.
  const server = handler.network.connect(Transport.Ws, "ws://localhost:8080/game", { timeout: 5000 });
  handler.network.send(server, new Float32Array([1.5]));
  // A custom transport's name is anyone's.
  handler.network.connect("memory", "peer");
  void handler.network.listen("memory", "peer");
}
