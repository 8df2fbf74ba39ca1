// Subscriptions: how many may be open, how far a slow one may fall behind, WebSocket keep-alive.
import { type Env, int } from "./parse.js";

export interface LiveConfig {
  live: {
    /** Open subscriptions per session, per instance. Default 5. */
    perSession: number;
    /** Open subscriptions per instance. Default 10000. */
    perInstance: number;
    /** Events that may wait for a slow subscriber before its subscription is dropped. Default 100. */
    buffer: number;
    /** Keep-alive interval of WebSocket pings, ms; 0 = none. Default 12000. (SSE comments: Yoga's own, every 12 s.) */
    keepAliveMs: number;
  };
}

/** The `SUBSCRIPTION*` variables. */
export function liveConfig(env: Env): LiveConfig {
  return {
    live: {
      perSession: int(env, "SUBSCRIPTIONS_PER_SESSION", 5, 1, 10_000),
      perInstance: int(env, "SUBSCRIPTIONS_PER_INSTANCE", 10_000, 1, 10_000_000),
      buffer: int(env, "SUBSCRIPTION_BUFFER", 100, 1, 100_000),
      keepAliveMs: int(env, "SUBSCRIPTION_KEEPALIVE_MS", 12_000, 0, 600_000),
    },
  };
}
