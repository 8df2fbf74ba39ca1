// The students page: one house's rows in (name, id) order, with or without the house total.

import { Prisma } from "../generated/prisma/client.js";
import type { House } from "../generated/prisma/enums.js";
import type { PrismaClient } from "./client.js";

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

/** The page rows, in (name, id) order. */
export function findPage(prisma: PrismaClient, { house, take, after }: PageQuery): Promise<StudentRow[]> {
  return prisma.student.findMany({
    where: {
      house,
      ...(after ? { OR: [{ name: { gt: after.name } }, { name: after.name, id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take,
  });
}

/**
 * The page rows and the house's total in one round trip (one statement instead of a
 * findMany and a count). The total comes from a one-row subquery joined to the page, so it
 * is there even when the page is empty. Row comparison `(name, id) > (…)` is the same keyset
 * condition as findPage's OR, and uses the (house, name, id) index.
 */
export async function findPageWithTotal(
  prisma: PrismaClient,
  { house, take, after }: PageQuery,
): Promise<{ rows: StudentRow[]; total: number }> {
  const cursor = after ? Prisma.sql`AND (s."name", s."id") > (${after.name}, ${after.id}::uuid)` : Prisma.empty;
  const result = await prisma.$queryRaw<(Partial<StudentRow> & { total: number })[]>`
    SELECT t."total", p."id", p."name", p."house", p."year", p."email"
    FROM (SELECT count(*)::int AS "total" FROM "Student" WHERE "house" = ${house}::"House") t
    LEFT JOIN LATERAL (
      SELECT s."id"::text AS "id", s."name", s."house"::text AS "house", s."year", s."email"
      FROM "Student" s
      WHERE s."house" = ${house}::"House" ${cursor}
      ORDER BY s."name", s."id"
      LIMIT ${take}
    ) p ON true
    ORDER BY p."name", p."id"`;
  const total = result[0]?.total ?? 0;
  const rows = result.filter((r): r is StudentRow & { total: number } => typeof r.id === "string");
  return { rows: rows.map(({ total: _, ...row }) => row), total };
}
