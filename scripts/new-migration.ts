// `npm run db:migration -- NAME`: writes prisma/migrations/<timestamp>_NAME from schema changes.
// Works offline: the WASM schema engine replays the existing migrations on an in-memory
// PGlite shadow database and diffs the result against prisma/schema.prisma.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { MIGRATIONS_DIR, pendingSchemaChanges } from "../src/db/schema-engine.js";

const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]+/gi, "_").toLowerCase();
if (!name) {
  console.error("usage: npm run db:migration -- NAME");
  process.exit(1);
}
const pglite = new PGlite();
const sql = await pendingSchemaChanges(new PrismaPGlite(pglite));
await pglite.close();
if (!sql) {
  console.log("No schema changes: no migration written.");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, "migration.sql"), sql);
console.log(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
process.exit(0);
