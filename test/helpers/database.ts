// Fresh databases for tests: in-memory PGlite, or a new database on the PostgreSQL server.
import { createScratchDatabase } from "../../bench/support.js";

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

export interface TestDatabase {
  /** null for PGlite. */
  url: string | null;
  drop(): Promise<void>;
}

/** Creates an empty database (PostgreSQL) or names an in-memory one (PGlite). */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") return { url: null, drop: async () => {} };
  return createScratchDatabase(ADMIN_URL, "t");
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
  return { env: { DATABASE_URL: db.url as string }, drop: db.drop };
}
