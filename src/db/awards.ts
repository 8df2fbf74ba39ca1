// The house-points ledger: recording an award together with the new total, and reading one back.

import type { House } from "../generated/prisma/enums.js";
import type { PrismaClient } from "./client.js";

/** One ledger row as the API shows it; `id` is the row's decimal id. */
export interface AwardRecord {
  id: string;
  house: House;
  points: number;
  reason: string;
  createdAt: Date;
  houseTotal: number;
  awardedById: string | null;
}

interface Row {
  id: bigint;
  house: House;
  points: number;
  reason: string;
  createdAt: Date;
  houseTotal: number;
  awardedById: string | null;
}

const toRecord = (row: Row): AwardRecord => ({ ...row, id: row.id.toString() });

/**
 * Adds `points` to the house and writes the ledger row with the total it produced, in one
 * statement: the UPDATE locks the house row, so concurrent awards queue, none is lost, and
 * each row's `houseTotal` is the total right after it.
 */
export async function recordAward(
  prisma: PrismaClient,
  award: { house: House; points: number; reason: string; awardedById: string },
): Promise<AwardRecord> {
  const rows = await prisma.$queryRaw<Row[]>`
    WITH total AS (
      UPDATE "HousePoints" SET "points" = "points" + ${award.points}
      WHERE "house" = ${award.house}::"House" RETURNING "points"
    )
    INSERT INTO "PointAward" ("house", "points", "reason", "awardedById", "houseTotal")
    SELECT ${award.house}::"House", ${award.points}, ${award.reason}, ${award.awardedById}::uuid, total."points" FROM total
    RETURNING "id", "house"::text AS "house", "points", "reason", "createdAt", "houseTotal", "awardedById"::text AS "awardedById"`;
  if (!rows[0]) throw new Error(`no HousePoints row for ${award.house}`);
  return toRecord(rows[0]);
}

/** One award by its decimal id, or null. */
export async function findAward(prisma: PrismaClient, id: string): Promise<AwardRecord | null> {
  const row = await prisma.pointAward.findUnique({ where: { id: BigInt(id) } });
  return row && toRecord(row);
}
