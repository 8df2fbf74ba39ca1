// The Student table: one house's rows a page at a time in (name, id) order, and single rows.

import type { House } from "../generated/prisma/enums.js";
import { batchAcrossRequests } from "./batch.js";
import type { PrismaClient } from "./client.js";
import type { Sql } from "./sql.js";

export interface StudentRow {
  id: string;
  name: string;
  house: House;
  year: number;
  email: string;
}

export interface PageQuery {
  house: House;
  /** Rows to fetch (the caller asks for one more than it shows, to know if a next page exists). */
  take: number;
  /** Keyset cursor: rows strictly after this (name, id). */
  after: { name: string; id: string } | null;
}

export interface Page {
  rows: StudentRow[];
  /** The house's total, when asked for. */
  total?: number;
}

/** One row per (input, student): `n` numbers the inputs of a batch; `total` only when counted. */
type BatchRow = Partial<StudentRow> & { n: number; total?: number };

/**
 * The statement for a batch of page queries of one kind (with or without the house total,
 * with or without a cursor): the inputs arrive as parallel arrays, each input is paged by
 * its own LATERAL subquery on the (house, name, id) index, keyset condition included. With
 * the total, a page that is empty still gives one row (the total and NULL columns).
 */
function pageStatement(withTotal: boolean, withCursor: boolean): string {
  const inputs = withCursor
    ? `unnest($1::int[], $2::text[]::"House"[], $3::int[], $4::text[], $5::text[]::uuid[]) AS q("n", "house", "take", "afterName", "afterId")`
    : `unnest($1::int[], $2::text[]::"House"[], $3::int[]) AS q("n", "house", "take")`;
  const page = `SELECT s."id"::text AS "id", s."name", s."house"::text AS "house", s."year", s."email"
      FROM "Student" s
      WHERE s."house" = q."house" ${withCursor ? `AND (s."name", s."id") > (q."afterName", q."afterId")` : ""}
      ORDER BY s."name", s."id" LIMIT q."take"`;
  return withTotal
    ? `SELECT q."n", t."total", p."id", p."name", p."house", p."year", p."email"
    FROM ${inputs}
    CROSS JOIN LATERAL (SELECT count(*)::int AS "total" FROM "Student" c WHERE c."house" = q."house") t
    LEFT JOIN LATERAL (${page}) p ON true
    ORDER BY q."n", p."name", p."id"`
    : `SELECT q."n", p."id", p."name", p."house", p."year", p."email"
    FROM ${inputs}
    CROSS JOIN LATERAL (${page}) p
    ORDER BY q."n", p."name", p."id"`;
}

/**
 * Named queries on students. Pages run on every students request, so they are plain SQL,
 * shared by the requests of one event-loop turn, with the house's total in the same statement.
 */
export function createStudentQueries(prisma: PrismaClient, sql: Sql) {
  /** One batched statement per kind of query: with or without the total, with or without a cursor. */
  function batched(withTotal: boolean, withCursor: boolean) {
    const text = pageStatement(withTotal, withCursor);
    return batchAcrossRequests(async (queries: PageQuery[]): Promise<Page[]> => {
      const values: unknown[] = [queries.map((_, n) => n), queries.map((q) => q.house), queries.map((q) => q.take)];
      if (withCursor)
        values.push(
          queries.map((q) => q.after?.name),
          queries.map((q) => q.after?.id),
        );
      const pages: Page[] = queries.map(() => (withTotal ? { rows: [], total: 0 } : { rows: [] }));
      for (const { n, total, ...row } of await sql.rows<BatchRow>(text, values)) {
        const page = pages[n];
        if (withTotal) page.total = total ?? 0;
        if (typeof row.id === "string") page.rows.push(row as StudentRow);
      }
      return pages;
    });
  }
  const pageOnly = { first: batched(false, false), after: batched(false, true) };
  const withTotal = { first: batched(true, false), after: batched(true, true) };
  return {
    /** One page of `query.house`; `total` adds the house's total. */
    page(query: PageQuery, total: boolean): Promise<Page> {
      const kind = total ? withTotal : pageOnly;
      return (query.after ? kind.after : kind.first)(query);
    },

    /** One student by id, or null. */
    findById(id: string): Promise<StudentRow | null> {
      return prisma.student.findUnique({ where: { id } });
    },

    /** How many students `house` has. */
    countInHouse(house: House): Promise<number> {
      return prisma.student.count({ where: { house } });
    },
  };
}

export type StudentQueries = ReturnType<typeof createStudentQueries>;
