// Deploy-time migrations on PostgreSQL: `npm run db:migrate` only migrates, production start
// does not migrate unless told to, and concurrent migrators serialise on the advisory lock.
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { baseEnv, ROOT, run, startServer } from "../helpers/process.js";

const MIGRATIONS = readdirSync(path.join(ROOT, "prisma/migrations"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const tableExists = async (url: string, table: string) =>
  (await query<{ t: string | null }>(url, `SELECT to_regclass('public."${table}"')::text AS t`))[0].t !== null;

/** Every migration recorded once, finished, never rolled back. */
async function expectCleanMigrationTable(url: string) {
  const rows = await query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
    url,
    "SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name",
  );
  expect(rows.map((r) => r.migration_name)).toEqual(MIGRATIONS);
  expect(rows.every((r) => r.finished_at !== null && r.rolled_back_at === null)).toBe(true);
}

const migrator = (url: string) => run("scripts/migrate.ts", baseEnv({ DATABASE_URL: url }));

describe("migrations for deploys (PostgreSQL)", () => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createTestDatabase("postgresql");
    databases.push(db);
    return db.directUrl as string;
  };
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((d) => d.drop()));
  });

  it("npm run db:migrate applies the migrations and seeds nothing; a second run changes nothing", async () => {
    const url = await fresh();
    const first = migrator(url);
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toContain(`Applied ${MIGRATIONS.length} migration(s)`);
    await expectCleanMigrationTable(url);
    const counts = await query<{ users: number; students: number; sessions: number }>(
      url,
      `SELECT (SELECT count(*)::int FROM "User") AS users, (SELECT count(*)::int FROM "Student") AS students,
              (SELECT count(*)::int FROM "Session") AS sessions`,
    );
    expect(counts).toEqual([{ users: 0, students: 0, sessions: 0 }]);
    const again = migrator(url);
    expect((await again.exited).code).toBe(0);
    expect(again.stdout()).toContain("up to date");
    await expectCleanMigrationTable(url);
  });

  it("two migrators started at once on a fresh database both succeed and record each migration once", async () => {
    const url = await fresh();
    const [a, b] = [migrator(url), migrator(url)];
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    expect([ea.code, eb.code], a.stderr() + b.stderr()).toEqual([0, 0]);
    // one of them applied everything, the other found nothing to do
    expect([a.stdout(), b.stdout()].filter((o) => o.includes("Applied")).length).toBe(1);
    await expectCleanMigrationTable(url);
  });

  it("a migrator waits on PostgreSQL's advisory lock while another holds it", async () => {
    const url = await fresh();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // Prisma's schema engine serialises on this advisory lock key.
      await holder.query("SELECT pg_advisory_lock(72707369)");
      const waiting = migrator(url);
      let seen = false;
      for (let i = 0; i < 120 && !seen; i++) {
        const rows = await holder.query(
          "SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()",
        );
        seen = rows.rowCount === 1;
        if (!seen) await new Promise((r) => setTimeout(r, 250));
      }
      expect(seen).toBe(true);
      expect(waiting.child.exitCode).toBeNull();
      expect(await tableExists(url, "User")).toBe(false);
      await holder.query("SELECT pg_advisory_unlock(72707369)");
      expect((await waiting.exited).code).toBe(0);
      await expectCleanMigrationTable(url);
    } finally {
      await holder.end();
    }
  });

  it("a production server does not migrate unless MIGRATE_ON_START=true, and then does not seed", async () => {
    const url = await fresh();
    const plain = await startServer({ DATABASE_URL: url });
    expect(await tableExists(url, "_prisma_migrations")).toBe(false);
    expect((await plain.stop()).code).toBe(0);

    const migrating = await startServer({ DATABASE_URL: url, MIGRATE_ON_START: "true" });
    await expectCleanMigrationTable(url);
    expect(await query(url, `SELECT 1 FROM "Student" UNION ALL SELECT 1 FROM "User"`)).toEqual([]);
    expect((await migrating.stop()).code).toBe(0);
  });
});
