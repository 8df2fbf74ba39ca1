// House points: the public standings and `awardPoints` for professors.
import { badInput } from "../errors.js";
import type { House } from "../generated/prisma/enums.js";
import { builder } from "./builder.js";
import { HouseEnum } from "./scalars.js";

const HousePointsRef = builder.objectRef<{ house: House; points: number }>("HousePoints").implement({
  description: "A house and its running total of points.",
  authScopes: { public: true },
  fields: (t) => ({
    house: t.expose("house", { type: HouseEnum }),
    points: t.exposeInt("points"),
  }),
});

builder.queryField("houses", (t) =>
  t.field({
    type: [HousePointsRef],
    description: "All four houses and their points. Public.",
    skipTypeScopes: true,
    authScopes: { public: true },
    resolve: (_root, _args, ctx) => ctx.points.standings(),
  }),
);

export const POINTS_LIMIT = 100;
export const REASON_MAX = 200;

builder.mutationField("awardPoints", (t) =>
  t.withAuth({ professor: true }).field({
    type: HousePointsRef,
    description: `Gives (or takes, when negative) 1 to ${POINTS_LIMIT} points; professors only. Recorded in the ledger with who, why and when.`,
    args: {
      house: t.arg({ type: HouseEnum, required: true }),
      points: t.arg.int({ required: true, description: `Non-zero, -${POINTS_LIMIT} to ${POINTS_LIMIT}.` }),
      reason: t.arg.string({ required: true, description: `1 to ${REASON_MAX} characters.` }),
    },
    resolve: async (_root, { house, points, reason }, ctx) => {
      if (points === 0 || Math.abs(points) > POINTS_LIMIT) {
        throw badInput(`points must be a non-zero whole number from -${POINTS_LIMIT} to ${POINTS_LIMIT}`, "points");
      }
      const why = reason.trim();
      if (why.length < 1 || why.length > REASON_MAX || why.includes("\0")) {
        throw badInput(`reason must be 1 to ${REASON_MAX} characters`, "reason");
      }
      const award = await ctx.points.award({ house, points, reason: why, awardedById: ctx.user.id });
      ctx.live.announce({ ...award, createdAt: award.createdAt.toISOString(), awardedBy: ctx.user });
      return { house, points: award.houseTotal };
    },
  }),
);
