// The WASM schema engine is internal, prerelease Prisma API: this pins the calls we make
// (`SchemaEngine.new`, `applyMigrations`, `diff`, `free`) and the shapes we read from them,
// so that an upgrade which changes any of them fails here rather than in a deploy.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { version } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { afterAll, describe, expect, it } from "vitest";
import { IN_MEMORY, openDatabase } from "../../src/db/client.js";
import { MIGRATIONS_DIR, openSchemaEngine, readMigrations, SCHEMA_FILE } from "../../src/db/schema-engine.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "../helpers/database.js";

const FILTERS = { externalTables: [], externalEnums: [] };
const pkg = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("../../package.json"), "utf8"));

describe.each(BACKENDS)("the schema engine calls we rely on (%s, fresh database)", (backend) => {
  const cleanup: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of cleanup) await d.drop();
  });

  it("applyMigrations applies each migration once and answers { appliedMigrationNames }", async () => {
    const database = await createTestDatabase(backend);
    cleanup.push(database);
    const db = await openDatabase({ databaseUrl: database.url, dataDir: IN_MEMORY });
    const opened: { dispose(): Promise<void> }[] = [];
    const factory = db.adapterFactory();
    const engine = await openSchemaEngine({
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => {
        const a = await factory.connect();
        opened.push(a);
        return a;
      },
      connectToShadowDb: async () => {
        const a = await factory.connectToShadowDb();
        opened.push(a);
        return a;
      },
    });
    try {
      // The engine build that runs is the one package.json pins (version() names its commit).
      expect(String(pkg.dependencies["@prisma/schema-engine-wasm"])).toMatch(
        new RegExp(`^8\\.1\\.0-\\d+\\.${version()}$`),
      );
      for (const method of ["applyMigrations", "diff", "free"] as const) expect(engine[method]).toBeTypeOf("function");

      const list = await readMigrations();
      const names = list.migrationDirectories.map((d) => d.path);
      expect(names.length).toBeGreaterThan(0);
      const first = await engine.applyMigrations({ migrationsList: list, filters: FILTERS });
      expect(first).toEqual({ appliedMigrationNames: names });
      const again = await engine.applyMigrations({ migrationsList: list, filters: FILTERS });
      expect(again).toEqual({ appliedMigrationNames: [] });
    } finally {
      engine.free();
      await Promise.all(opened.map((a) => a.dispose()));
    }
    const tables = await db.prisma.$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`;
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["_prisma_migrations", "User", "Session"]));
    await db.close();
  });
});

// `npm run db:migration` diffs on in-memory PGlite only: through adapter-pg the engine's
// introspection reads a "char" column the adapter cannot decode.
describe("the schema engine's diff (pglite, fresh database)", () => {
  const cleanup: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of cleanup) await d.drop();
  });

  it("diff answers { exitCode, stdout } with a SQL script, empty when migrations and schema agree", async () => {
    const database = await createTestDatabase("pglite");
    cleanup.push(database);
    const db = await openDatabase({ databaseUrl: database.url, dataDir: IN_MEMORY });
    const engine = await openSchemaEngine(db.adapterFactory());
    const schema = {
      tag: "schemaDatamodel" as const,
      files: [{ path: SCHEMA_FILE, content: readFileSync(SCHEMA_FILE, "utf8") }],
    };
    try {
      const fromEmpty = await engine.diff({
        from: { tag: "empty" },
        to: schema,
        script: true,
        exitCode: null,
        filters: FILTERS,
      });
      expect(Object.keys(fromEmpty).sort()).toEqual(["exitCode", "stdout"]);
      expect(fromEmpty.exitCode).toBe(0);
      expect(fromEmpty.stdout).toMatch(/CREATE TABLE "User"/);

      const fromMigrations = await engine.diff({
        from: { tag: "migrations", ...(await readMigrations(MIGRATIONS_DIR)) },
        to: schema,
        script: true,
        exitCode: true,
        filters: FILTERS,
      });
      // With exitCode set the engine says 2 for a difference; 0 means none.
      expect(fromMigrations.exitCode).toBe(0);
      expect(fromMigrations.stdout?.trim()).toMatch(/^-- This is an empty migration\.?$/);
    } finally {
      engine.free();
      await db.close();
    }
  });
});
