// Plain parameterised SQL on the driver beneath Prisma: the same pg pool or PGlite instance.
// Only the two reads of every signed-in request (session with user, students page) use it:
// the Prisma client costs about as much CPU per query as the rest of the request.
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";

export interface Sql {
  /**
   * Runs one statement with `$1, $2, …` parameters; its rows as objects. `text` must be one
   * of a fixed set of statements (never built from input).
   */
  rows<T>(text: string, values: readonly unknown[]): Promise<T[]>;
}

/**
 * Unnamed statements: a named one lives on one server connection, and behind a pooler in
 * transaction mode the next query may run on another. Preparing them once per connection
 * measured within noise in-process.
 */
export function poolSql(pool: pg.Pool, onQuery?: (sql: string) => void): Sql {
  return {
    async rows<T>(text: string, values: readonly unknown[]) {
      onQuery?.(text);
      const result = await pool.query({ text, values: values as unknown[] });
      return result.rows as T[];
    },
  };
}

/** PGlite runs one statement at a time and never inside another caller's transaction. */
export function pgliteSql(pglite: PGlite, onQuery?: (sql: string) => void): Sql {
  return {
    async rows<T>(text: string, values: readonly unknown[]) {
      onQuery?.(text);
      const result = await pglite.query<T>(text, values as unknown[]);
      return result.rows;
    },
  };
}
