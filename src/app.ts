// Wires configuration, database, sessions and Yoga into one running application.
import { LoginThrottle } from "./auth/throttle.js";
import { createMemoryStore } from "./auth/throttle-memory.js";
import { createRedisStore } from "./auth/throttle-redis.js";
import type { Config } from "./config.js";
import { type Database, openDatabase } from "./db/client.js";
import { migrate } from "./db/migrate.js";
import { assertReachable } from "./db/reachable.js";
import { seed } from "./db/seed.js";
import { createStudentPages } from "./db/students.js";
import { createLiveHub, type LiveHub } from "./live/hub.js";
import { createLivePubSub } from "./live/pubsub.js";
import { announceSessionEnds } from "./live/session-events.js";
import { createLogger, type Logger } from "./log.js";
import { createCookieCodec } from "./session/cookie.js";
import { resolveSecrets } from "./session/secrets.js";
import { createSessionStore } from "./session/store.js";
import { type App, createApp } from "./yoga.js";

export interface Application {
  yoga: App;
  db: Database;
  /** Open subscriptions of this instance. */
  live: LiveHub;
  log: Logger;
  close(): Promise<void>;
}

export interface BuildOptions {
  log?: Logger;
  /** Seconds since the epoch; tests pass a clock they can move. */
  now?: () => number;
  /** Called with the SQL of every query. */
  onQuery?: (sql: string) => void;
}

/**
 * Opens the database, migrates and seeds when configured to, and builds the Yoga app.
 * Throws ConfigError for configuration mistakes before touching the database.
 */
export async function buildApplication(config: Config, options: BuildOptions = {}): Promise<Application> {
  const log = options.log ?? createLogger(config);
  const secrets = resolveSecrets(config, (message) => log.warn(message));
  if (config.databaseUrl) await assertReachable(config.databaseUrl, config.dbTimeoutMs);
  const db = await openDatabase(config, { onQuery: options.onQuery });
  try {
    if (config.migrateOnStart) {
      const applied = await migrate(db, config.databaseUrl);
      if (applied.length) log.info({ applied }, "migrations applied");
    }
    if (config.seedOnStart) await seed(db.prisma, { demo: config.nodeEnv !== "production" });
  } catch (e) {
    await db.close();
    throw e;
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const throttle = new LoginThrottle(
    config.redisUrl ? createRedisStore(config.redisUrl, config.throttle.redisPrefix, log) : createMemoryStore(now),
    config.throttle,
  );
  const pubsub = createLivePubSub(config.redisUrl, `${config.throttle.redisPrefix}live:`, log);
  const store = announceSessionEnds(createSessionStore(db.prisma, db.sql, config.session), pubsub);
  const live = createLiveHub({ pubsub, store, limits: config.live, session: config.session, now, log });
  const yoga = createApp({
    config,
    log,
    prisma: db.prisma,
    pages: createStudentPages(db.sql),
    store,
    live,
    codec: createCookieCodec(config.cookie, secrets),
    limits: config.session,
    now,
    throttle,
    ping: async () => {
      await db.prisma.$queryRaw`SELECT 1`;
    },
  });
  return {
    yoga,
    db,
    log,
    live,
    close: async () => {
      await live.close();
      await pubsub.close();
      await throttle.close();
      await db.close();
    },
  };
}
