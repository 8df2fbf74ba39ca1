// REDIS_URL: one Redis server or the nodes of a Redis Cluster, shared by the login throttle and live events.
import { ConfigError } from "./error.js";
import { type Env, parseUrl } from "./parse.js";

export interface RedisConfig {
  /** One Redis URL, or the node URLs of a Redis Cluster (several, comma-separated in REDIS_URL). */
  redisUrls: string[] | null;
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
    const url = parseUrl(entry, `${where} is not a valid URL; expected redis://host:port[,redis://host:port…]`);
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

/** `REDIS_URL`. */
export function redisConfig(env: Env): RedisConfig {
  return { redisUrls: redisUrls(env.REDIS_URL) };
}
