// Password hashing: how many argon2 hashes run at once and how long a caller may wait for one.
import { type Env, int } from "./parse.js";

export interface HashingConfig {
  hashing: {
    /** argon2 hashes running at once. Default `UV_THREADPOOL_SIZE` (the threads that run them), else 4. */
    slots: number;
    /** Longest wait for a free slot, ms, before RATE_LIMITED. Default 1000. */
    maxWaitMs: number;
    /** Requests waiting for a slot at most; more are RATE_LIMITED at once. Default 64. */
    maxQueue: number;
    /** Hashes one signed-in user (`changePassword`) may have running or waiting. Default 2. */
    perUser: number;
  };
}

/** `HASH_CONCURRENCY` (default `UV_THREADPOOL_SIZE`), `HASH_QUEUE_WAIT_MS`, `HASH_QUEUE_MAX`, `HASH_MAX_PER_USER`. */
export function hashingConfig(env: Env): HashingConfig {
  return {
    hashing: {
      slots: int(env, "HASH_CONCURRENCY", int(env, "UV_THREADPOOL_SIZE", 4, 1, 1024), 1, 1024),
      maxWaitMs: int(env, "HASH_QUEUE_WAIT_MS", 1000, 0, 60_000),
      maxQueue: int(env, "HASH_QUEUE_MAX", 64, 0, 100_000),
      perUser: int(env, "HASH_MAX_PER_USER", 2, 1, 1000),
    },
  };
}
