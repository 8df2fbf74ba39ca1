// Login throttling: failed sign-ins counted per username and per client address.
import { type Env, int } from "./parse.js";

export interface ThrottleConfig {
  throttle: {
    /** Failed logins per username per window. Default 5. */
    maxPerUser: number;
    /** Failed logins per client address per window. Default 50. */
    maxPerAddress: number;
    /** Window length, seconds, counted from the first failure. Default 900. */
    window: number;
    /** In-process counters kept at most (no Redis); keys still limiting are never dropped. Default 100000. */
    maxKeys: number;
    /** Prefix of the Redis keys. Default `hogwarts:login:`. */
    redisPrefix: string;
  };
}

/** The `LOGIN_*` variables and `REDIS_KEY_PREFIX`. */
export function throttleConfig(env: Env): ThrottleConfig {
  return {
    throttle: {
      maxPerUser: int(env, "LOGIN_MAX_FAILURES_PER_USER", 5, 1, 1_000_000),
      maxPerAddress: int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 50, 1, 1_000_000),
      window: int(env, "LOGIN_THROTTLE_WINDOW", 15 * 60, 1, 24 * 60 * 60),
      maxKeys: int(env, "LOGIN_THROTTLE_MAX_KEYS", 100_000, 100, 100_000_000),
      redisPrefix: env.REDIS_KEY_PREFIX?.trim() || "hogwarts:login:",
    },
  };
}
