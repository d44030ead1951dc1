/**
 * The `reconnect` option, checked once at `connect`, and the delays it gives (LAYERS.md section 4).
 */
import { ErrorCode, NetError } from "../../errors.js";
import type { ReconnectOptions } from "../../options.js";

/** `reconnect` with every default filled in. */
export interface ReconnectSettings {
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly jitter: number;
  readonly maxAttempts: number;
  readonly random: () => number;
}

export const RECONNECT_DEFAULTS: ReconnectSettings = {
  initialDelay: 500,
  maxDelay: 10_000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
  random: Math.random,
};

/**
 * The settings of `connect`'s `reconnect` option, or `undefined` when it is off (absent or `false`).
 * Anything out of range throws `INVALID_ARGUMENT`, so a typo fails at `connect`, not an hour later.
 */
export function reconnectSettings(option: unknown): ReconnectSettings | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return RECONNECT_DEFAULTS;
  if (typeof option !== "object" || option === null) {
    throw invalid(`reconnect must be true, false or an object of options, not ${String(option)}`);
  }
  const given = option as ReconnectOptions;
  const initialDelay = number(given.initialDelay, "initialDelay", RECONNECT_DEFAULTS.initialDelay, 0);
  const maxDelay = number(given.maxDelay, "maxDelay", RECONNECT_DEFAULTS.maxDelay, 0);
  const factor = number(given.factor, "factor", RECONNECT_DEFAULTS.factor, 1);
  const jitter = number(given.jitter, "jitter", RECONNECT_DEFAULTS.jitter, 0);
  if (jitter > 1) throw invalid(`reconnect.jitter must be between 0 and 1, not ${jitter}`);
  const maxAttempts = given.maxAttempts ?? RECONNECT_DEFAULTS.maxAttempts;
  if (
    typeof maxAttempts !== "number" ||
    !(maxAttempts >= 1) ||
    (maxAttempts !== Number.POSITIVE_INFINITY && !Number.isInteger(maxAttempts))
  ) {
    throw invalid(`reconnect.maxAttempts must be a whole number >= 1 or Infinity, not ${String(maxAttempts)}`);
  }
  const random = given.random ?? RECONNECT_DEFAULTS.random;
  if (typeof random !== "function") throw invalid("reconnect.random must be a function");
  return { initialDelay, maxDelay, factor, jitter, maxAttempts, random };
}

/**
 * The delay before a retry, in whole ms: `initialDelay` times `factor` per earlier retry of the
 * same outage, capped at `maxDelay`, then spread by `jitter` so that clients that lost one server
 * together do not all come back in the same millisecond.
 */
export function retryDelay(settings: ReconnectSettings, retriesBefore: number): number {
  const plain = Math.min(settings.maxDelay, settings.initialDelay * settings.factor ** retriesBefore);
  const spread = 1 + settings.jitter * (2 * settings.random() - 1);
  return Math.max(0, Math.round(plain * spread));
}

function number(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw invalid(`reconnect.${name} must be a finite number >= ${min}, not ${String(value)}`);
  }
  return value;
}

function invalid(message: string): NetError {
  return new NetError(ErrorCode.InvalidArgument, message);
}
