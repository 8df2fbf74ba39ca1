// Vitest's global setup: one PgBouncer for the whole run when TEST_DATABASE_VIA=pgbouncer.
import type { TestProject } from "vitest/node";
import { startPgBouncer } from "../../bench/pgbouncer.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** PgBouncer's URL without a database name (`postgresql://…:PORT/`), or null when not used. */
    pgbouncerUrl: string | null;
  }
}

/**
 * Starts PgBouncer (transaction mode, pool of 20) in front of TEST_DATABASE_URL's server in
 * vitest's main process, hands its URL to every worker through `inject`, and stops it when the
 * run ends: workers come and go, so a PgBouncer started by one would outlive it.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide("pgbouncerUrl", null);
  if (process.env.TEST_DATABASE_VIA !== "pgbouncer") return undefined;
  const admin = new URL(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test");
  const bouncer = await startPgBouncer({ host: admin.hostname, port: Number(admin.port || 5432) });
  project.provide("pgbouncerUrl", bouncer.url(""));
  return () => bouncer.stop();
}
