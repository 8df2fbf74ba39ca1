// Applies prisma/migrations: the native engine through the Prisma CLI where it is
// installed and the target is a PostgreSQL server, the bundled WASM engine otherwise.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { Database } from "./client.js";
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

/**
 * Applies pending migrations and returns the names applied (the native path reports none).
 * Idempotent; concurrent callers on one PostgreSQL database serialise on the engine's
 * advisory lock.
 */
export async function migrate(db: Database, databaseUrl: string | null): Promise<string[]> {
  const cli = databaseUrl ? nativeMigrator() : null;
  if (cli && databaseUrl) {
    await runNative(cli, databaseUrl);
    return [];
  }
  // The engine does not release the connections it opens (nor their advisory lock) when
  // freed: track them and dispose of them here.
  const factory = db.adapterFactory();
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
