// The User type and `me`.
import type { CurrentUser } from "../db/users.js";
import { builder } from "./builder.js";
import { NodeRef, nodeLoaders, toGlobalId } from "./node.js";
import { HouseEnum, RoleEnum } from "./scalars.js";

export const UserRef = builder.objectRef<CurrentUser>("User").implement({
  description: "Someone who can sign in: a student or a professor.",
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === "object" && value !== null && "username" in value,
  // Signed-in users may see each other's public profile; nothing here is secret.
  authScopes: { signedIn: true },
  fields: (t) => ({
    id: t.id({ resolve: (user) => toGlobalId("User", user.id) }),
    username: t.exposeString("username"),
    displayName: t.exposeString("displayName"),
    role: t.expose("role", { type: RoleEnum }),
    house: t.expose("house", { type: HouseEnum, nullable: true, description: "null for staff without a house" }),
  }),
});

nodeLoaders.set("User", (id, ctx) => ctx.users.findById(id));

builder.queryField("me", (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description: "The signed-in user, or null.",
    skipTypeScopes: true,
    authScopes: { public: true },
    resolve: (_root, _args, ctx) => ctx.user,
  }),
);
