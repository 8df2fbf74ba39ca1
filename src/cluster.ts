// `npm run start:cluster`: one server process per core sharing one port (node:cluster).
// Workers hold no state of their own: sessions are rows in PostgreSQL and shared counters
// live in PostgreSQL (points) or Redis (login throttling), so any worker answers any request.
import cluster, { type Worker } from "node:cluster";
import path from "node:path";
import { ConfigError, loadConfig } from "./config/index.js";
import { openDatabase } from "./db/client.js";
import { prepareDatabase } from "./db/prepare.js";
import { assertReachable } from "./db/reachable.js";
import { createLogger } from "./log.js";
import { assertRedisCluster } from "./redis.js";

async function primary(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError(
      "DATABASE_URL is required for the cluster: the embedded database belongs to one process; set a postgresql:// URL",
    );
  }
  if (config.clusterWorkers > 1 && !config.redisUrls) {
    // Each worker would count login failures in its own memory: N workers, N times the limit.
    throw new ConfigError(
      `REDIS_URL is required for a cluster of ${config.clusterWorkers} workers: without it each worker counts login failures alone; set REDIS_URL or CLUSTER_WORKERS=1`,
    );
  }
  if (config.redisUrls) await assertRedisCluster(config.redisUrls);
  const log = createLogger(config);
  const { pooler } = await assertReachable(config.databaseUrl, config.dbTimeoutMs);
  // Migrate and seed once here, so that the workers start on a ready database.
  if (config.migrateOnStart || config.seedOnStart) {
    const db = await openDatabase(config, { pooler });
    try {
      await prepareDatabase(db, config, log);
    } finally {
      await db.close();
    }
  }

  // server.js next to cluster.js (npm run start:cluster), server.ts under tsx (tests)
  cluster.setupPrimary({ exec: path.join(import.meta.dirname, `server${path.extname(import.meta.filename)}`) });
  const env = { MIGRATE_ON_START: "false", SEED_ON_START: "false" };
  const listening = new Set<Worker>();
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork(env);
    worker.on("listening", () => listening.add(worker));
  };
  cluster.on("exit", (worker, code, signal) => {
    const wasListening = listening.delete(worker);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info({ exitCode }, "cluster stopped");
        process.exit(exitCode);
      }
      return;
    }
    if (!wasListening) {
      // A worker that dies before it listens will die again: stop rather than loop.
      log.error({ worker: worker.id, code, signal }, "a worker failed to start; stopping the cluster");
      exitCode = 1;
      stop("worker failure");
      return;
    }
    log.warn({ worker: worker.id, code, signal }, "worker died; starting a new one");
    fork();
  });

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, workers: Object.keys(cluster.workers ?? {}).length }, "stopping workers");
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
    // Each worker bounds its own shutdown; this only catches a worker that hangs anyway.
    setTimeout(() => process.exit(1), config.shutdownDrainMs + config.shutdownTimeoutMs + 5000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  log.info({ workers: config.clusterWorkers }, "starting workers");
  for (let i = 0; i < config.clusterWorkers; i++) fork();
}

primary().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${error instanceof ConfigError ? message : `could not start: ${message}`}`);
  process.exit(1);
});
