// The HousePoints totals and the PointAward ledger.
import type { House } from "../generated/prisma/enums.js";
import type { PrismaClient } from "./client.js";

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

/** Named queries on house points, bound to one Prisma client. */
export function createPointQueries(prisma: PrismaClient) {
  return {
    /** Every house's total, in house order. */
    standings(): Promise<HouseTotal[]> {
      return prisma.housePoints.findMany({ orderBy: { house: "asc" }, select: { house: true, points: true } });
    },

    /**
     * Records `award` in the ledger and adds it to the house total in one transaction. The
     * increment is a row-locked UPDATE, so concurrent awards queue and none is lost.
     */
    async award(award: Award): Promise<HouseTotal> {
      const [, total] = await prisma.$transaction([
        prisma.pointAward.create({ data: award }),
        prisma.housePoints.update({
          where: { house: award.house },
          data: { points: { increment: award.points } },
          select: { house: true, points: true },
        }),
      ]);
      return total;
    },
  };
}

export type PointQueries = ReturnType<typeof createPointQueries>;
