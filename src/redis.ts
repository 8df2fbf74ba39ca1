// The Redis connection: one server, or a Redis Cluster when REDIS_URL lists several nodes.
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { ConfigError } from "./config/error.js";

/** A client for one server or a cluster; both take the same commands for single-slot keys. */
export type RedisClient = Redis | Cluster;

function nodeOf(url: string) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

/** Credentials and TLS shared by every node of a cluster: those of the first URL. */
function sharedOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * Connects to `urls`: a plain client for one URL, an ioredis Cluster (slots discovered from
 * the nodes listed) for several. A command fails after one retry rather than waiting, so
 * that callers can fail closed. `cluster` adds Cluster options (ignored for one URL).
 */
export function connectRedis(urls: string[], options: RedisOptions = {}, cluster: ClusterOptions = {}): RedisClient {
  const base: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2000, ...options };
  if (urls.length === 1) return new Redis(urls[0], base);
  return new Cluster(urls.map(nodeOf), {
    redisOptions: { ...base, ...sharedOptions(urls[0]) },
    // A master that is down leaves its slots without an owner until it returns: keep asking.
    clusterRetryStrategy: () => 1000,
    retryDelayOnClusterDown: 200,
    ...cluster,
  });
}

/**
 * Start-up check for a cluster: every node listed answers and reports a cluster in state ok.
 * Throws ConfigError naming REDIS_URL (and the node by position and address, never its
 * password) otherwise. A single URL is not checked: a lone Redis that is down only makes
 * logins fail until it answers.
 */
export async function assertRedisCluster(urls: string[], timeoutMs = 2000): Promise<void> {
  if (urls.length < 2) return;
  await Promise.all(
    urls.map(async (url, i) => {
      const { host, port } = nodeOf(url);
      const where = `REDIS_URL entry ${i + 1} (${host}:${port})`;
      const node = new Redis(url, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      node.on("error", () => {});
      try {
        await node.connect();
        const info = String(await node.call("CLUSTER", "INFO"));
        const state = /cluster_state:(\w+)/.exec(info)?.[1];
        if (state !== "ok") throw new ConfigError(`${where} reports cluster_state ${state ?? "unknown"}, not ok`);
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        const reason = (error as Error).message.replace(/\s+/g, " ");
        throw new ConfigError(`${where} cannot be used as a Redis Cluster node (${reason})`);
      } finally {
        node.disconnect();
      }
    }),
  );
}
