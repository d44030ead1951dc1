/**
 * The distributed example: a discovery server and three participants as child processes. Each
 * participant learns of the others, greets each one directly and is greeted by each one; one that
 * vanishes is announced as removed; a taken name is refused; the server's end ends the others.
 */
import { afterEach, expect, it } from "vitest";
import { type Child, killChildren, startExample } from "./children.js";

afterEach(killChildren);

const SCRIPT = "distributed/main.js";

it("participants discover each other, greet each other directly, and learn who left", async () => {
  const server = startExample("discovery server", SCRIPT, ["discovery-server", "127.0.0.1:0"]);
  const [, addr] = await server.waitFor(/Discovery server running at (127\.0\.0\.1:\d+)/);
  const names = ["Ada", "Brian", "Cleo"];
  const participants: Child[] = [];
  for (const name of names) {
    participants.push(startExample(name, SCRIPT, ["participant", name, addr as string]));
    // One at a time, so who is "in the list" and who is "new" is known.
    await server.waitFor(`Added participant '${name}'`);
  }

  for (const [i, participant] of participants.entries()) {
    const me = names[i];
    await participant.waitFor(`Participant list received (${i} participants)`);
    for (const [j, other] of names.entries()) {
      if (j === i) continue;
      // Those already there are in my list: I greet them, they welcome me. Newcomers are the other way round.
      const heard = j < i ? `Hi '${me}', welcome to the network!` : `Hi '${me}', I see you in the participant list`;
      await participant.waitFor(`'${other}' says: ${heard}`);
      if (j > i) await participant.waitFor(`New participant '${other}' in the network`);
    }
  }

  const [ada, brian, cleo] = participants as [Child, Child, Child];
  cleo.kill("SIGKILL"); // vanishes without a word: its connection's end is the sign
  await server.waitFor("Removed participant 'Cleo'");
  await ada.waitFor("Removed participant 'Cleo' from the network");
  await brian.waitFor("Removed participant 'Cleo' from the network");

  const impostor = startExample("second Ada", SCRIPT, ["participant", "Ada", addr as string]);
  expect((await impostor.waitForExit()).code).toBe(1);
  expect(impostor.output).toContain("The name 'Ada' is taken");
  expect(ada.output).not.toContain("New participant 'Ada'");

  server.kill("SIGTERM");
  for (const participant of [ada, brian]) {
    expect((await participant.waitForExit()).code).toBe(0);
    expect(participant.output).toContain("Discovery server disconnected, closing");
  }
});
