/** What the scenario server's `identity` role says, shared by both sides of the scenarios. */
export const SERVER_ID = "scenario-server";
export const ACCEPTED_HELLO = "v3";
export const REFUSAL = "needs version 3";
