// Start-up database work, shared by the single server and the cluster's primary.
import type { Config } from "../config/index.js";
import type { Logger } from "../log.js";
import type { Database } from "./client.js";
import { migrate } from "./migrate.js";
import { seed } from "./seed.js";

/**
 * Applies pending migrations (MIGRATE_ON_START) and seeds (SEED_ON_START; demo accounts
 * outside production), logging the migrations it applied. Throws what they throw.
 */
export async function prepareDatabase(
  db: Database,
  config: Pick<
    Config,
    "migrateOnStart" | "seedOnStart" | "databaseUrl" | "migrateDatabaseUrl" | "dbTimeoutMs" | "nodeEnv"
  >,
  log: Logger,
): Promise<void> {
  if (config.migrateOnStart) {
    const applied = await migrate(db, config);
    if (applied.length) log.info({ applied }, "migrations applied");
  }
  if (config.seedOnStart) await seed(db.prisma, { demo: config.nodeEnv !== "production" });
}
