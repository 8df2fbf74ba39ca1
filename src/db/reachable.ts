// Start-up checks of a PostgreSQL URL: can we sign in, and is it a pooler rather than the server.
import pg from "pg";
import { ConfigError } from "../config/error.js";

/** `host:port/database` of a URL: enough to find the mistake, never the password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || parsed.searchParams.get("host") || "localhost";
  return `${host}:${parsed.port || 5432}${parsed.pathname || "/"}`;
}

/** What the start-up check learnt about the endpoint a URL names. */
export interface Endpoint {
  /**
   * True when the endpoint refused a session parameter at connection start, which PostgreSQL
   * accepts and a pooler such as PgBouncer refuses: each transaction may then run on another
   * server connection, so nothing may rely on session state.
   */
  pooler: boolean;
}

function reasonOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return ([e.code, e.message].filter(Boolean).join(": ") || String(error)).replace(/\s+/g, " ");
}

async function trySelect(url: string, timeoutMs: number, startup: Record<string, number>): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    ...startup,
  });
  // A failed connection may still emit 'error' later; it must not crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

const refusedParameter = (error: unknown) => /unsupported startup parameter/i.test(String((error as Error)?.message));

/**
 * Connects once (twice through a pooler) and runs `SELECT 1`. Throws ConfigError naming
 * `variable` when the endpoint is unreachable, refuses the login, or lacks the database,
 * within `timeoutMs`.
 */
export async function probeEndpoint(url: string, timeoutMs: number, variable = "DATABASE_URL"): Promise<Endpoint> {
  try {
    try {
      await trySelect(url, timeoutMs, { statement_timeout: timeoutMs });
      return { pooler: false };
    } catch (error) {
      if (!refusedParameter(error)) throw error;
    }
    await trySelect(url, timeoutMs, {});
    return { pooler: true };
  } catch (error) {
    throw new ConfigError(`${variable}: cannot use the database at ${describeUrl(url)} (${reasonOf(error)})`);
  }
}

/** Throws ConfigError naming DATABASE_URL when the database cannot be used (see probeEndpoint). */
export async function assertReachable(url: string, timeoutMs: number): Promise<Endpoint> {
  return probeEndpoint(url, timeoutMs, "DATABASE_URL");
}
