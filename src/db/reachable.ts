// Start-up check that DATABASE_URL names a PostgreSQL server we can reach and sign in to.
import pg from "pg";
import { ConfigError } from "../config.js";

/** `host:port/database` of a URL: enough to find the mistake, never the password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || parsed.searchParams.get("host") || "localhost";
  return `${host}:${parsed.port || 5432}${parsed.pathname || "/"}`;
}

/**
 * Connects once and runs `SELECT 1`. Throws ConfigError naming DATABASE_URL when the server
 * is unreachable, refuses the login, or lacks the database, within `timeoutMs`.
 */
export async function assertReachable(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A failed connection may still emit 'error' later; it must not crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const reason = ([e.code, e.message].filter(Boolean).join(": ") || String(error)).replace(/\s+/g, " ");
    throw new ConfigError(`DATABASE_URL: cannot use the database at ${describeUrl(url)} (${reason})`);
  } finally {
    await client.end().catch(() => {});
  }
}
