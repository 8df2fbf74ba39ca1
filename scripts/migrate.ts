// `npm run db:migrate`: applies pending migrations to the configured database; nothing else.
import { ConfigError, loadConfig } from "../src/config/index.js";
import { openDatabase } from "../src/db/client.js";
import { migrate, nativeMigrator } from "../src/db/migrate.js";

try {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const engine = config.databaseUrl && nativeMigrator() ? "native" : "wasm";
    const applied = await migrate(db, config);
    console.log(
      engine === "native"
        ? "Migrations applied with the native schema engine."
        : applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(", ")}`
          : "The database is up to date.",
    );
  } finally {
    await db.close();
  }
  process.exit(0); // the WASM engine leaves a timer running for a while after it is freed
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${error instanceof ConfigError ? message : `migration failed: ${message}`}`);
  process.exit(1);
}
