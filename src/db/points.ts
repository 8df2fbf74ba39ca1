// The HousePoints totals and the PointAward ledger.
import type { House } from "../generated/prisma/enums.js";
import { batchAcrossRequests } from "./batch.js";
import type { PrismaClient } from "./client.js";
import type { Sql } from "./sql.js";

/** A house and its running total. */
export interface HouseTotal {
  house: House;
  points: number;
}

/** One award: who gave how many points to which house, and why. */
export interface Award {
  house: House;
  points: number;
  reason: string;
  awardedById: string;
}

/** One ledger row as the API shows it; `id` is the row's decimal id. */
export interface AwardRecord {
  id: string;
  house: House;
  points: number;
  reason: string;
  createdAt: Date;
  /** The house's total right after this award. */
  houseTotal: number;
  /** null once the professor's account is deleted. */
  awardedById: string | null;
}

const toRecord = (row: Omit<AwardRecord, "id"> & { id: bigint }): AwardRecord => ({ ...row, id: row.id.toString() });

/** The standings in the enum's order, as Prisma's `orderBy: { house: "asc" }` sorts them. */
const STANDINGS = `SELECT "house"::text AS "house", "points" FROM "HousePoints" ORDER BY "HousePoints"."house"`;

/**
 * Named queries on house points, bound to one Prisma client. The standings are a public,
 * anonymous read: plain SQL on the driver (Prisma's client cost more CPU than the rest of
 * the request), and the requests of one event-loop turn share one statement, run after
 * each of them arrived.
 */
export function createPointQueries(prisma: PrismaClient, sql: Sql) {
  const standings = batchAcrossRequests(async (callers: null[]) => {
    const rows = await sql.rows<HouseTotal>(STANDINGS, []);
    return callers.map(() => rows.map((row) => ({ ...row })));
  });
  return {
    /** Every house's total, in house order. */
    standings(): Promise<HouseTotal[]> {
      return standings(null);
    },

    /**
     * Adds `award` to the house total and writes its ledger row with the total it produced,
     * in one statement. The UPDATE locks the house row, so concurrent awards queue, none is
     * lost, and each row's `houseTotal` is the total right after it.
     */
    async award(award: Award): Promise<AwardRecord> {
      const rows = await prisma.$queryRaw<(Omit<AwardRecord, "id"> & { id: bigint })[]>`
        WITH total AS (
          UPDATE "HousePoints" SET "points" = "points" + ${award.points}
          WHERE "house" = ${award.house}::"House" RETURNING "points"
        )
        INSERT INTO "PointAward" ("house", "points", "reason", "awardedById", "houseTotal")
        SELECT ${award.house}::"House", ${award.points}, ${award.reason}, ${award.awardedById}::uuid, total."points"
        FROM total
        RETURNING "id", "house"::text AS "house", "points", "reason", "createdAt", "houseTotal",
          "awardedById"::text AS "awardedById"`;
      if (!rows[0]) throw new Error(`no HousePoints row for ${award.house}`);
      return toRecord(rows[0]);
    },

    /** One ledger row by its decimal id, or null. */
    async find(id: string): Promise<AwardRecord | null> {
      const row = await prisma.pointAward.findUnique({ where: { id: BigInt(id) } });
      return row && toRecord(row);
    },
  };
}

export type PointQueries = ReturnType<typeof createPointQueries>;
