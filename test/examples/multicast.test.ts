import { afterEach, expect, it } from "vitest";
import { freeUdpPort } from "../support/ports.js";
import { type Child, killChildren, startExample } from "./children.js";

afterEach(killChildren);

it("participants discover each other over the group, and see one leave", async () => {
  // A group of its own per run, so parallel runs on this machine do not hear each other.
  const group = `239.255.${(process.pid >> 8) & 0xff}.${process.pid & 0xff}:${await freeUdpPort()}`;
  const names = ["Ada", "Brian", "Cleo"];
  const participants: Child[] = [];
  for (const name of names) {
    const participant = startExample(name, "multicast/main.js", [name, "--group", group, "--interface", "127.0.0.1"]);
    // Once it greeted the group, it has joined it: the next one's greeting reaches it.
    await participant.waitFor("Greeting the network");
    participants.push(participant);
  }

  for (const [i, participant] of participants.entries()) {
    for (const other of names.filter((_, j) => j !== i)) {
      // Those before it answer its greeting; those after it greet the group.
      await participant.waitFor(new RegExp(`^'${other}' (greets the network!|is also here)$`, "m"));
    }
    expect(participant.output).not.toContain(`'${names[i]}' greets`);
  }

  const [ada, brian, cleo] = participants as [Child, Child, Child];
  cleo.kill("SIGTERM");
  // It says goodbye before going, and goes by itself.
  expect(await cleo.waitForExit()).toEqual({ code: 0, signal: null });
  await ada.waitFor("'Cleo' left the network");
  await brian.waitFor("'Cleo' left the network");
});
