// Parsing of the connection URLs in the environment: PostgreSQL and Redis (one server or a cluster).
import { ConfigError } from "./config-error.js";

type Env = Record<string, string | undefined>;

/** A `postgresql://` URL from `env[key]`, or null when unset. Throws ConfigError naming `key`. */
export function postgresUrl(env: Env, key: string): string | null {
  const raw = env[key]?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${key} is not a valid URL; expected postgresql://user@host:5432/db`);
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new ConfigError(`${key} must start with postgresql://, got "${url.protocol}//…"`);
  }
  if (!url.hostname && !url.searchParams.get("host")) {
    throw new ConfigError(`${key} has no host; expected postgresql://user@host:5432/db`);
  }
  return raw;
}

/**
 * `REDIS_URL`: one `redis://` (or `rediss://`) URL, or several comma-separated node URLs of a
 * Redis Cluster. Returns the URLs in order, or null when unset. The messages never echo an
 * entry (it may hold a password), only its position.
 */
export function redisUrls(raw: string | undefined): string[] | null {
  const value = raw?.trim();
  if (!value) return null;
  const entries = value.split(",").map((e) => e.trim());
  return entries.map((entry, i) => {
    const where = entries.length > 1 ? `entry ${i + 1} of REDIS_URL` : "REDIS_URL";
    if (!entry) throw new ConfigError(`${where} is empty; expected redis://host:port[,redis://host:port…]`);
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new ConfigError(`${where} is not a valid URL; expected redis://host:port[,redis://host:port…]`);
    }
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
      throw new ConfigError(`${where} must start with redis:// or rediss://, got "${url.protocol}//…"`);
    }
    if (!url.hostname) throw new ConfigError(`${where} has no host; expected redis://host:port`);
    if (entries.length > 1 && url.pathname && url.pathname !== "/" && url.pathname !== "/0") {
      throw new ConfigError(`${where} names database ${url.pathname.slice(1)}; a Redis Cluster has only database 0`);
    }
    return entry;
  });
}
