// Prisma CLI configuration: schema and migrations paths, and the offline engine fallback.
// The Prisma packages move together at 7.10.1 except @prisma/client at 7.10.0: no client
// 7.10.1 was published (docs/prisma-offline.md lists the set and each path's engine build).
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";

// The CLI insists on a native schema engine even for `generate`, which never runs it.
// Where the native engine could not be downloaded, point the CLI at a stub that explains
// how this project migrates instead (see src/db/migrate.ts); a native engine, when
// present, is always preferred.
const enginesDir = path.join(import.meta.dirname, "node_modules/@prisma/engines");
const hasNativeEngine = existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith("schema-engine-"));
if (!hasNativeEngine && !process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(import.meta.dirname, "scripts/no-native-engine.sh");
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/unused-embedded-pglite" },
});
