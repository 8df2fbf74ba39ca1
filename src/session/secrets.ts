// SESSION_SECRET: parsing, rotation ids, and the generated development secret.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Config, ConfigError } from "../config/index.js";
import { IN_MEMORY } from "../db/client.js";

/** iron-session's password map: id -> secret. The highest id seals new cookies. */
export type SecretMap = Record<string, string>;

export const MIN_SECRET_LENGTH = 32;

/**
 * Parses `SESSION_SECRET`. Format: one secret, or a comma-separated list of `ID:SECRET`
 * with whole-number ids (`2:new-secret,1:old-secret`). A bare secret has id 1. New
 * cookies are sealed with the highest id; cookies sealed with any listed id still open.
 * Keep an id with its secret for good: a cookie names the id it was sealed with.
 */
export function parseSecrets(raw: string): SecretMap {
  const parts = raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const map: SecretMap = {};
  for (const part of parts) {
    const match = /^(\d{1,9}):(.+)$/.exec(part);
    // iron-session looks the sealing secret up by the number, so "07" must become "7".
    const [id, secret] = match ? [String(Number(match[1])), match[2]] : ["1", part];
    if (parts.length > 1 && !match) {
      throw new ConfigError("SESSION_SECRET with several secrets must write each as ID:SECRET, e.g. 2:new,1:old");
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters (each secret of an ID:SECRET list too): set it to random characters, e.g. \`openssl rand -base64 48\``,
      );
    }
    if (map[id]) throw new ConfigError(`SESSION_SECRET names id ${id} twice`);
    map[id] = secret;
  }
  if (!parts.length) throw new ConfigError("SESSION_SECRET is empty");
  return map;
}

/**
 * The secrets to use. Production requires SESSION_SECRET; elsewhere a missing one is
 * generated once and kept in `<dataDir>/session-secret` so that sessions survive restarts.
 */
export function resolveSecrets(config: Config, warn: (message: string) => void): SecretMap {
  if (config.sessionSecret) return parseSecrets(config.sessionSecret);
  if (config.nodeEnv === "production") {
    throw new ConfigError(
      `SESSION_SECRET is required in production: set it to at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -base64 48\`)`,
    );
  }
  if (config.dataDir === IN_MEMORY) return { 1: randomBytes(32).toString("base64url") };
  const file = path.join(config.dataDir, "session-secret");
  let secret: string;
  try {
    secret = readFileSync(file, "utf8").trim();
  } catch {
    secret = randomBytes(32).toString("base64url");
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  }
  warn(`SESSION_SECRET is not set: using the development secret kept in ${file}`);
  return parseSecrets(secret);
}
