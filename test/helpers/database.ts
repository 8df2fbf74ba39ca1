// Fresh databases for tests: in-memory PGlite, or a new database on the PostgreSQL server.
import type pg from "pg";
import { inject } from "vitest";
import { createScratchDatabase, withClient as withClientAt } from "../../bench/support.js";

export type Backend = "pglite" | "postgresql";

const ALL: Backend[] = ["pglite", "postgresql"];

/** `TEST_BACKENDS=pglite` (comma-separated) narrows a run, e.g. for the mutation run; unknown names throw. */
function chosenBackends(raw: string | undefined): Backend[] {
  if (!raw?.trim()) return ALL;
  const names = raw.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !ALL.includes(name as Backend));
  if (unknown.length) throw new Error(`TEST_BACKENDS: unknown backend ${unknown.join(", ")} (use ${ALL.join(", ")})`);
  return ALL.filter((backend) => names.includes(backend));
}

/** Every database-touching suite runs on both unless TEST_BACKENDS narrows it. */
export const BACKENDS: Backend[] = chosenBackends(process.env.TEST_BACKENDS);

/** The server that CI and developers have; its `test` database is only used to create others. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/**
 * `TEST_DATABASE_VIA=pgbouncer`: tests create their databases on PostgreSQL directly and hand
 * the app a URL through a PgBouncer in transaction mode (one for the whole run, started by
 * test/helpers/global-pgbouncer.ts), with the direct URL for migrations.
 */
export const VIA_PGBOUNCER = process.env.TEST_DATABASE_VIA === "pgbouncer";

/** Database `name` through the run's PgBouncer. */
function throughPgBouncer(name: string): string {
  const base = inject("pgbouncerUrl");
  if (!base) throw new Error("TEST_DATABASE_VIA=pgbouncer: no PgBouncer (vitest's globalSetup did not start one)");
  return base + name;
}

/** Runs `run` on one connection to `url` (default: the admin database), then closes it. */
export function withClient<T>(run: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  return withClientAt(run, url);
}

export interface TestDatabase {
  /** What the app gets as DATABASE_URL (through PgBouncer with TEST_DATABASE_VIA=pgbouncer); null for PGlite. */
  url: string | null;
  /** PostgreSQL itself, for migrations and for tests that need a session; null for PGlite. */
  directUrl: string | null;
  /** DATABASE_URL, and MIGRATE_DATABASE_URL through PgBouncer: the environment that points an app here. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Creates an empty database (PostgreSQL) or names an in-memory one (PGlite). */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") return { url: null, directUrl: null, env: {}, drop: async () => {} };
  const scratch = await createScratchDatabase(ADMIN_URL, "t");
  const name = new URL(scratch.url).pathname.slice(1);
  const url = VIA_PGBOUNCER ? throughPgBouncer(name) : scratch.url;
  return {
    url,
    directUrl: scratch.url,
    env: { DATABASE_URL: url, ...(VIA_PGBOUNCER ? { MIGRATE_DATABASE_URL: scratch.url } : {}) },
    drop: scratch.drop,
  };
}

/**
 * Data that outlives one app (for restarts and command-line scripts): an on-disk PGlite
 * directory, or a new PostgreSQL database. `env` points the app or a script at it.
 */
export async function createPersistentData(
  backend: Backend,
  label: string,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (backend === "pglite") {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(tmpdir(), `${label}-`));
    return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const db = await createTestDatabase("postgresql");
  return { env: db.env, drop: db.drop };
}
