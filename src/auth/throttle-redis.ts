// Login-throttle counters in Redis, shared by every instance that uses the same REDIS_URL.
import { Redis } from "ioredis";
import type { Logger } from "../log.js";
import type { CounterStore } from "./throttle.js";

/** INCR and set the window on a new key in one step; returns the count and seconds left. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** DECR an existing key, not below zero; its expiry stays. */
const REFUND = `
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0`;

/**
 * Counters under `prefix` in the Redis at `url`. Each key is updated by one Lua script, so
 * concurrent attempts from any number of instances are all counted. When Redis cannot be
 * reached a login fails (masked error) rather than going unthrottled. Redis expires keys
 * itself and evicts none (given a `noeviction` policy), so `hit` needs no limit here.
 */
export function createRedisStore(url: string, prefix: string, log: Logger): CounterStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let reported = false;
  redis.on("error", (error: Error) => {
    // The message names host and port only; the URL (which may hold a password) is never logged.
    if (!reported) log.warn({ reason: error.message }, "redis unavailable; logins fail until it answers");
    reported = true;
  });
  redis.on("ready", () => {
    reported = false;
  });
  return {
    async hit(key, window) {
      const [count, ttl] = (await redis.eval(HIT, 1, prefix + key, window)) as [number, number];
      return { count, ttl: Math.max(1, ttl) };
    },
    async refund(key) {
      await redis.eval(REFUND, 1, prefix + key);
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
