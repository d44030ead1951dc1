/** The Node side of the cross-platform scenarios: the Node build, and a 60 Hz timer for frames. */
import { split } from "message-io/node";
import type { ScenarioPlatform } from "./scenarios.js";

const FRAME_MS = 16;

export const nodePlatform: ScenarioPlatform = {
  name: "node",
  split,
  requestFrame: (callback) => {
    setTimeout(callback, FRAME_MS);
  },
};
