// Applies prisma/migrations: the native engine through the Prisma CLI where it is
// installed and the target is a PostgreSQL server, the bundled WASM engine otherwise.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { ConfigError } from "../config/error.js";
import type { Config } from "../config/index.js";
import type { Database } from "./client.js";
import { describeUrl, probeEndpoint } from "./reachable.js";
import { openSchemaEngine, readMigrations } from "./schema-engine.js";

const root = path.resolve(import.meta.dirname, "../..");

/** The Prisma CLI's entry when it and a native schema engine are both installed. */
export function nativeMigrator(): string | null {
  let cli: string;
  try {
    cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  } catch {
    return null;
  }
  const engines = path.join(root, "node_modules/@prisma/engines");
  const fromEnv = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  const native =
    (fromEnv && existsSync(fromEnv) && !fromEnv.endsWith("no-native-engine.sh")) ||
    (existsSync(engines) && readdirSync(engines).some((f) => f.startsWith("schema-engine-")));
  return native ? cli : null;
}

function runNative(cli: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`prisma migrate deploy exited ${code}`))));
  });
}

/** The URLs migrations read: the direct one when set. */
export type MigrationUrls = Pick<Config, "databaseUrl" | "migrateDatabaseUrl"> & Partial<Pick<Config, "dbTimeoutMs">>;

/**
 * The URL migrations run on, checked to reach PostgreSQL itself: the engine holds an advisory
 * lock for the whole run, which a pooler in transaction mode would hand to other clients'
 * transactions. Throws ConfigError naming the variable to set, before anything is applied.
 */
export async function migrationUrl(config: MigrationUrls): Promise<string | null> {
  const url = config.migrateDatabaseUrl ?? config.databaseUrl;
  if (!url) return null;
  const variable = config.migrateDatabaseUrl ? "MIGRATE_DATABASE_URL" : "DATABASE_URL";
  const { pooler } = await probeEndpoint(url, config.dbTimeoutMs ?? 5000, variable);
  if (pooler) {
    const fix = config.migrateDatabaseUrl
      ? "set MIGRATE_DATABASE_URL to PostgreSQL itself"
      : "set MIGRATE_DATABASE_URL to a direct postgresql:// URL of the same database";
    throw new ConfigError(
      `${variable} (${describeUrl(url)}) is a connection pooler, and migrations need one session on PostgreSQL itself: ${fix}`,
    );
  }
  return url;
}

/**
 * Applies pending migrations and returns the names applied (the native path reports none).
 * Idempotent; concurrent callers on one PostgreSQL database serialise on the engine's
 * advisory lock. Runs on MIGRATE_DATABASE_URL when set (see migrationUrl).
 */
export async function migrate(db: Database, config: MigrationUrls): Promise<string[]> {
  const databaseUrl = await migrationUrl(config);
  const cli = databaseUrl ? nativeMigrator() : null;
  if (cli && databaseUrl) {
    await runNative(cli, databaseUrl);
    return [];
  }
  // The engine does not release the connections it opens (nor their advisory lock) when
  // freed: track them and dispose of them here.
  const factory = db.adapterFactory(databaseUrl ?? undefined);
  const opened: { dispose(): Promise<void> }[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const adapter = await factory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const engine = await openSchemaEngine(tracked);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: await readMigrations(),
      filters: { externalTables: [], externalEnums: [] },
    });
    return appliedMigrationNames;
  } finally {
    engine.free();
    await Promise.all(opened.map((a) => a.dispose()));
  }
}
