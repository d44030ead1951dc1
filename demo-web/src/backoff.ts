/** Reconnection delays: 0.5 s, 1 s, 2 s, 4 s, then 8 s at most, each with ±20 % jitter so that clients spread out. */
export const BACKOFF = { baseMs: 500, maxMs: 8000, jitter: 0.2 } as const;

/** The delay before reconnection attempt `attempt` (0 for the first after a loss). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const plain = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(plain * (1 - BACKOFF.jitter + 2 * BACKOFF.jitter * random()));
}
