// Fresh databases for tests: in-memory PGlite, or a new database on the PostgreSQL server.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type PgBouncer, startPgBouncer } from "./pgbouncer.js";

export type Backend = "pglite" | "postgresql";

/** Every database-touching suite runs on both, or on those `TEST_BACKENDS` names (comma-separated). */
export const BACKENDS: Backend[] = (() => {
  const all: Backend[] = ["pglite", "postgresql"];
  const wanted = process.env.TEST_BACKENDS?.split(",").map((b) => b.trim());
  return wanted ? all.filter((b) => wanted.includes(b)) : all;
})();

/**
 * `TEST_DATABASE_VIA=pgbouncer`: tests create their databases on PostgreSQL directly and hand
 * the app a URL through a PgBouncer in transaction mode (one per test process), with the
 * direct URL for migrations.
 */
export const VIA_PGBOUNCER = process.env.TEST_DATABASE_VIA === "pgbouncer";

let bouncer: Promise<PgBouncer> | undefined;
function sharedBouncer(): Promise<PgBouncer> {
  if (!bouncer) {
    const admin = new URL(ADMIN_URL);
    bouncer = startPgBouncer({ host: admin.hostname, port: Number(admin.port || 5432) });
    // Foreground child of this test process: it must not outlive it.
    bouncer.then((b) => process.once("exit", () => void b.stop()));
  }
  return bouncer;
}

/** The server that CI and developers have; its `test` database is only used to create others. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  /** What the app gets as DATABASE_URL (through PgBouncer with TEST_DATABASE_VIA=pgbouncer); null for PGlite. */
  url: string | null;
  /** PostgreSQL itself, for migrations and for tests that need a session; null for PGlite. */
  directUrl: string | null;
  /** DATABASE_URL, and MIGRATE_DATABASE_URL through PgBouncer: the environment that points an app here. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Runs `run` on one connection to `url` (default: the admin database), then closes it. */
export async function withClient<T>(run: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (PostgreSQL) or names an in-memory one (PGlite). */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") return { url: null, directUrl: null, env: {}, drop: async () => {} };
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const direct = new URL(ADMIN_URL);
  direct.pathname = `/${name}`;
  const directUrl = direct.toString();
  const url = VIA_PGBOUNCER ? (await sharedBouncer()).url(name) : directUrl;
  return {
    url,
    directUrl,
    env: { DATABASE_URL: url, ...(VIA_PGBOUNCER ? { MIGRATE_DATABASE_URL: directUrl } : {}) },
    drop: () => withClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
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
