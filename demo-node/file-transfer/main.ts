/**
 * message-io's file-transfer example: a receiver that takes files from several senders at once,
 * and senders that stream a file to it over framed-tcp with a progress bar, paced by the
 * library's backpressure. Each file is checked by SHA-256 before it is kept.
 *
 *   npm run file-transfer -- receiver [<host>:<port>] [--dir <directory>]
 *   npm run file-transfer -- sender <file> [<host>:<port>] [--max-rate <bytes per second>]
 *
 * The receiver listens on 127.0.0.1:3005 by default, as message-io's, and saves to ./received.
 */
import { mkdir } from "node:fs/promises";
import { runReceiver } from "./receiver.js";
import { runSender } from "./sender.js";

const USAGE = `usage: file-transfer receiver [<host>:<port>] [--dir <directory>]
       file-transfer sender <file> [<host>:<port>] [--max-rate <bytes per second>]`;
const DEFAULT_ADDR = "127.0.0.1:3005";

function fail(reason: string): never {
  console.error(`${reason}\n${USAGE}`);
  process.exit(2);
}

/** Splits `--name value` options from the positional arguments. */
function parse(args: string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--")) positional.push(arg);
    else if (i + 1 < args.length) options.set(arg.slice(2), args[++i] as string);
    else fail(`${arg} needs a value`);
  }
  return { positional, options };
}

const { positional, options } = parse(process.argv.slice(2));
const [role, ...rest] = positional;
try {
  if (role === "receiver") {
    const directory = options.get("dir") ?? "received";
    await mkdir(directory, { recursive: true });
    await runReceiver(rest[0] ?? DEFAULT_ADDR, directory);
  } else if (role === "sender") {
    const [file, addr] = rest;
    if (file === undefined) fail("which file?");
    const maxRate = options.has("max-rate") ? Number(options.get("max-rate")) : undefined;
    if (maxRate !== undefined && !(maxRate > 0)) fail("--max-rate needs a number of bytes per second");
    await runSender(file, addr ?? DEFAULT_ADDR, { maxRate });
  } else {
    fail(`unknown role "${role ?? ""}"`);
  }
} catch (error) {
  // A file that cannot be read, a directory that cannot be made: say which, without a stack trace.
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
