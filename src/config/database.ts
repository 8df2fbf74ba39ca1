// The database: PostgreSQL URLs (or embedded PGlite under DATA_DIR), timeouts, migrate and seed at start.
import path from "node:path";
import { ConfigError } from "./error.js";
import { bool, type Env, int, parseUrl } from "./parse.js";

export interface DatabaseConfig {
  /** `postgresql://…` for a PostgreSQL server; null for embedded PGlite under `dataDir`. */
  databaseUrl: string | null;
  /**
   * A direct `postgresql://` URL for migrations, which need one session throughout (a pooler
   * in transaction mode cannot give them that). Default: `databaseUrl`.
   */
  migrateDatabaseUrl: string | null;
  /** Where PGlite and the development secret live. Default `./data`. */
  dataDir: string;
  /**
   * PostgreSQL: the longest wait, in ms, for a connection, a query's answer (client side)
   * and a statement (server side) before the request fails with a masked error. Default 5000.
   */
  dbTimeoutMs: number;
  /** Run pending migrations at start. Default: true except in production. */
  migrateOnStart: boolean;
  /** Create the demo data at start when the database is empty. Default: true except in production. */
  seedOnStart: boolean;
}

/** A `postgresql://` URL from `env[key]`, or null when unset. Throws ConfigError naming `key`. */
export function postgresUrl(env: Env, key: string): string | null {
  const raw = env[key]?.trim();
  if (!raw) return null;
  const url = parseUrl(raw, `${key} is not a valid URL; expected postgresql://user@host:5432/db`);
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new ConfigError(`${key} must start with postgresql://, got "${url.protocol}//…"`);
  }
  if (!url.hostname && !url.searchParams.get("host")) {
    throw new ConfigError(`${key} has no host; expected postgresql://user@host:5432/db`);
  }
  return raw;
}

/** `DATABASE_URL`, `MIGRATE_DATABASE_URL`, `DATA_DIR`, `DB_TIMEOUT_MS`, `MIGRATE_ON_START`, `SEED_ON_START`. */
export function databaseConfig(env: Env, production: boolean): DatabaseConfig {
  const databaseUrl = postgresUrl(env, "DATABASE_URL");
  const migrateDatabaseUrl = postgresUrl(env, "MIGRATE_DATABASE_URL");
  if (migrateDatabaseUrl && !databaseUrl) {
    throw new ConfigError("MIGRATE_DATABASE_URL needs DATABASE_URL (the embedded database migrates itself)");
  }
  const dataDir = env.DATA_DIR?.trim();
  return {
    databaseUrl,
    migrateDatabaseUrl,
    // `memory://` (tests) names no directory: nothing is written to disk for it.
    dataDir: dataDir === "memory://" ? "memory://" : path.resolve(dataDir || "data"),
    dbTimeoutMs: int(env, "DB_TIMEOUT_MS", 5000, 100, 600_000),
    migrateOnStart: bool(env, "MIGRATE_ON_START", !production),
    seedOnStart: bool(env, "SEED_ON_START", !production),
  };
}
