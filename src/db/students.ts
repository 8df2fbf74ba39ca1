// The students page: one house's rows in (name, id) order, with or without the house total.

import type { House } from "../generated/prisma/enums.js";
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

const COLUMNS = `s."id"::text AS "id", s."name", s."house"::text AS "house", s."year", s."email"`;
/** Keyset condition on the (house, name, id) index: rows strictly after the cursor. */
const AFTER = `AND (s."name", s."id") > ($3, $4::uuid)`;

/** `[house, take]` plus the cursor's name and id when there is one ($3, $4). */
function parameters({ house, take, after }: PageQuery): unknown[] {
  return after ? [house, take, after.name, after.id] : [house, take];
}

/**
 * The page rows, in (name, id) order. Runs on every students request, so it is plain SQL
 * on the driver (src/db/sql.ts).
 */
export function findPage(sql: Sql, query: PageQuery): Promise<StudentRow[]> {
  return sql.rows<StudentRow>(
    `SELECT ${COLUMNS} FROM "Student" s
    WHERE s."house" = $1::"House" ${query.after ? AFTER : ""}
    ORDER BY s."name", s."id" LIMIT $2`,
    parameters(query),
  );
}

/**
 * The page rows and the house's total in one round trip (one statement instead of a page
 * query and a count). The total comes from a one-row subquery joined to the page, so it is
 * there even when the page is empty.
 */
export async function findPageWithTotal(sql: Sql, query: PageQuery): Promise<{ rows: StudentRow[]; total: number }> {
  const result = await sql.rows<Partial<StudentRow> & { total: number }>(
    `SELECT t."total", p."id", p."name", p."house", p."year", p."email"
    FROM (SELECT count(*)::int AS "total" FROM "Student" WHERE "house" = $1::"House") t
    LEFT JOIN LATERAL (
      SELECT ${COLUMNS} FROM "Student" s
      WHERE s."house" = $1::"House" ${query.after ? AFTER : ""}
      ORDER BY s."name", s."id" LIMIT $2
    ) p ON true
    ORDER BY p."name", p."id"`,
    parameters(query),
  );
  const total = result[0]?.total ?? 0;
  const rows = result.filter((r): r is StudentRow & { total: number } => typeof r.id === "string");
  return { rows: rows.map(({ total: _, ...row }) => row), total };
}
