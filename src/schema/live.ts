// Live data: the PointAward type, its node loader, and the `pointsAwarded` subscription.

import type { AwardRecord } from "../db/points.js";
import type { CurrentUser } from "../db/users.js";
import { unauthenticated } from "../errors.js";
import type { AwardEvent } from "../live/pubsub.js";
import { Ended } from "../live/stream.js";
import { builder } from "./builder.js";
import { NodeRef, nodeLoaders, toGlobalId } from "./node.js";
import { HouseEnum } from "./scalars.js";
import { UserRef } from "./user.js";

/** An award as the schema sees it: from the event stream, or read back from the ledger. */
type AwardView = AwardRecord & {
  /** Present when it came with the event; otherwise looked up. */
  awardedBy?: CurrentUser | null;
};

const fromEvent = (event: AwardEvent): AwardView => ({
  ...event,
  createdAt: new Date(event.createdAt),
  awardedById: event.awardedBy?.id ?? null,
});

export const PointAwardRef = builder.objectRef<AwardView>("PointAward").implement({
  description: "One entry of the house-points ledger: who gave or took how many points, and why.",
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === "object" && value !== null && "houseTotal" in value,
  authScopes: { signedIn: true },
  fields: (t) => ({
    id: t.id({ resolve: (award) => toGlobalId("PointAward", award.id) }),
    house: t.expose("house", { type: HouseEnum }),
    points: t.exposeInt("points", { description: "Negative when points were taken." }),
    reason: t.exposeString("reason"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    houseTotal: t.exposeInt("houseTotal", { description: "The house's total right after this award." }),
    // Checked for each event of a subscription, as for a query: students get null + FORBIDDEN.
    awardedBy: t.field({
      type: UserRef,
      nullable: true,
      description: "The professor who gave the points. Professors only; others get null and FORBIDDEN.",
      authScopes: { professor: true },
      resolve: (award, _args, ctx) =>
        award.awardedBy !== undefined
          ? award.awardedBy
          : award.awardedById
            ? ctx.users.findById(award.awardedById)
            : null,
    }),
  }),
});

nodeLoaders.set("PointAward", (id, ctx) => ctx.points.find(id));

builder.subscriptionType({ authScopes: { signedIn: true } });

builder.subscriptionField("pointsAwarded", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: PointAwardRef,
    description:
      "Every award as it happens, on any instance; of one house, or of all. Ends with UNAUTHENTICATED when the session ends.",
    args: { house: t.arg({ type: HouseEnum, required: false, description: "Only this house; all when omitted." }) },
    subscribe: async (_root, args, ctx) => {
      const sessionId = await ctx.session.getSessionId();
      if (!sessionId) throw unauthenticated();
      const { id: userId, role, house } = ctx.user;
      return ctx.live.open({ sessionId, userId, house: args.house ?? null, access: { role, house } });
    },
    resolve: (event: AwardEvent | Ended) => {
      if (event instanceof Ended) throw event.error;
      return fromEvent(event);
    },
  }),
);
