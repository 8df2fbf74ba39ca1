// The parsing helpers every configuration section shares: whole numbers, booleans, URLs, origin lists.
import { ConfigError } from "./error.js";

/** The environment as read: `process.env`, or a test's own object. */
export type Env = Record<string, string | undefined>;

/** `env[key]` as a whole number from `min` to `max`; `fallback` when unset or blank. */
export function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** `env[key]` as true (1, true, yes, on) or false (0, false, no, off), any case; `fallback` when unset or blank. */
export function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got "${env[key]}"`);
}

/** `raw` as a URL; throws ConfigError with `message` when it is not one. */
export function parseUrl(raw: string, message: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new ConfigError(message);
  }
}

/**
 * A comma-separated list of bare origins like `https://app.example:8443`, in order. For an
 * entry that is not one, throws ConfigError with `problem(entry, url)`, where `url` is the
 * entry parsed, or null when it does not parse at all.
 */
export function originList(raw: string, problem: (entry: string, url: URL | null) => string): string[] {
  return raw.split(",").map((item) => {
    const origin = item.trim();
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {}
    if (!url || url.origin !== origin) throw new ConfigError(problem(origin, url));
    return origin;
  });
}
