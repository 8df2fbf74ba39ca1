// Migrations: Prisma's format, idempotent, in step with schema.prisma, on both backends.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { afterAll, describe, expect, it } from "vitest";
import { IN_MEMORY, openDatabase } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";
import { MIGRATIONS_DIR, pendingSchemaChanges, readMigrations } from "../../src/db/schema-engine.js";
import { seed } from "../../src/db/seed.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "../helpers/database.js";

describe("schema.prisma and prisma/migrations", () => {
  it("agree: no change is waiting for a migration", async () => {
    const pglite = new PGlite();
    try {
      expect(await pendingSchemaChanges(new PrismaPGlite(pglite))).toBeNull();
    } finally {
      await pglite.close();
    }
  });
});

describe.each(BACKENDS)("migrate and seed (%s)", (backend) => {
  const cleanup: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of cleanup) await d.drop();
  });

  it("applies every migration once, records Prisma's checksums, and seeds idempotently", async () => {
    const database = await createTestDatabase(backend);
    cleanup.push(database);
    const db = await openDatabase({ databaseUrl: database.url, dataDir: IN_MEMORY });
    try {
      const names = (await readMigrations()).migrationDirectories.map((d) => d.path);
      expect(await migrate(db, { databaseUrl: database.url, migrateDatabaseUrl: database.directUrl })).toEqual(names);
      expect(await migrate(db, { databaseUrl: database.url, migrateDatabaseUrl: database.directUrl })).toEqual([]);

      const rows = await db.prisma.$queryRaw<{ migration_name: string; checksum: string; finished_at: Date | null }[]>`
        SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`;
      expect(rows.map((r) => r.migration_name)).toEqual(names);
      for (const row of rows) {
        const sql = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
        expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
        expect(row.finished_at).not.toBeNull();
      }

      await seed(db.prisma, { demo: true });
      const counts = async () => [await db.prisma.student.count(), await db.prisma.user.count()];
      const first = await counts();
      await seed(db.prisma, { demo: true });
      expect(await counts()).toEqual(first);
      for (const house of ["GRYFFINDOR", "HUFFLEPUFF", "RAVENCLAW", "SLYTHERIN"] as const) {
        expect(await db.prisma.student.count({ where: { house } })).toBeGreaterThanOrEqual(10);
      }
      expect(await db.prisma.housePoints.count()).toBe(4);
    } finally {
      await db.close();
    }
  });

  it("enforces the year range in the database itself", async () => {
    const database = await createTestDatabase(backend);
    cleanup.push(database);
    const db = await openDatabase({ databaseUrl: database.url, dataDir: IN_MEMORY });
    try {
      await migrate(db, { databaseUrl: database.url, migrateDatabaseUrl: database.directUrl });
      await expect(
        db.prisma.student.create({ data: { name: "Too Old", house: "GRYFFINDOR", year: 8, email: "old@x.example" } }),
      ).rejects.toThrow();
      expect(await db.prisma.student.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
