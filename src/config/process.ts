// The process: which environment it runs as, its log level, how it shuts down, how many cluster workers.
import { availableParallelism } from "node:os";
import { ConfigError } from "./error.js";
import { type Env, int } from "./parse.js";

export type NodeEnv = "production" | "development" | "test";

export interface ProcessConfig {
  nodeEnv: NodeEnv;
  /** pino level; `silent` turns logs off. Default `info` (`silent` in test). */
  logLevel: string;
  /**
   * After SIGTERM, ms during which `/ready` answers 503 while requests are still served, so that
   * a proxy checking `/ready` stops routing here first; 0 = none. Default 5000 in production, 0 elsewhere.
   */
  shutdownDrainMs: number;
  /** After the drain, ms to let requests in flight finish before the process gives up and exits 1. Default 10000. */
  shutdownTimeoutMs: number;
  /** `npm run start:cluster`: worker processes. Default: one per core (`os.availableParallelism()`). */
  clusterWorkers: number;
}

/** `NODE_ENV`: production, development (the default) or test; read first, as other defaults follow it. */
export function readNodeEnv(env: Env): NodeEnv {
  const raw = env.NODE_ENV?.trim() || "development";
  if (!["production", "development", "test"].includes(raw)) {
    throw new ConfigError(`NODE_ENV must be production, development or test, got "${raw}"`);
  }
  return raw as NodeEnv;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function logLevel(env: Env, nodeEnv: NodeEnv): string {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return nodeEnv === "test" ? "silent" : "info";
  if (!LOG_LEVELS.includes(raw))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  return raw;
}

/** `LOG_LEVEL`, `SHUTDOWN_DRAIN_MS`, `SHUTDOWN_TIMEOUT_MS` and `CLUSTER_WORKERS`, for `nodeEnv`. */
export function processConfig(env: Env, nodeEnv: NodeEnv): ProcessConfig {
  return {
    nodeEnv,
    logLevel: logLevel(env, nodeEnv),
    shutdownDrainMs: int(env, "SHUTDOWN_DRAIN_MS", nodeEnv === "production" ? 5000 : 0, 0, 600_000),
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
    clusterWorkers: int(env, "CLUSTER_WORKERS", availableParallelism(), 1, 256),
  };
}
