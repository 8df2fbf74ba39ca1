// A user's sessions: listing, revoking, signing out everywhere, changing the password.

import { isCommonPassword } from "../auth/common-passwords.js";
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from "../auth/password.js";
import { badInput, invalidCredentials, unauthenticated } from "../errors.js";
import type { SessionRecord } from "../session/store.js";
import { builder } from "./builder.js";
import { fromGlobalId, NodeRef, nodeLoaders, toGlobalId } from "./node.js";

interface SessionRow extends SessionRecord {
  current: boolean;
}

const SessionRef = builder.objectRef<SessionRow>("Session").implement({
  description: "One signed-in browser or client of the caller.",
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === "object" && value !== null && "lastSeenAt" in value,
  authScopes: (session) => ({ self: session.userId }),
  fields: (t) => ({
    id: t.id({ resolve: (s) => toGlobalId("Session", s.id) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastSeenAt: t.expose("lastSeenAt", { type: "DateTime" }),
    userAgent: t.exposeString("userAgent", { nullable: true }),
    current: t.exposeBoolean("current", { description: "True for the session making this request." }),
  }),
});

// Only the caller's own sessions are found: another user's id looks like no session at all.
nodeLoaders.set("Session", async (id, ctx) => {
  const user = await ctx.getUser();
  if (!user) return null;
  const row = await ctx.sessions.find(id, user.id, ctx.session.now());
  return row && { ...row, current: row.id === (await ctx.session.getSessionId()) };
});

builder.queryField("mySessions", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [SessionRef],
    description: "The caller's live sessions, most recently used first.",
    resolve: async (_root, _args, ctx) => {
      const current = await ctx.session.getSessionId();
      const rows = await ctx.sessions.list(ctx.user.id, ctx.session.now());
      return rows.map((row) => ({ ...row, current: row.id === current }));
    },
  }),
);

builder.mutationField("logoutEverywhere", (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description: "Ends every session of the caller, this one included, in every client.",
    resolve: async (_root, _args, ctx) => {
      const userId = ctx.user.id;
      await ctx.session.end();
      const ended = await ctx.sessions.endAll(userId);
      ctx.log.info({ event: "logout_everywhere", userId, ended }, "logout everywhere");
      return true;
    },
  }),
);

builder.mutationField("revokeSession", (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description:
      "Ends one of the caller's sessions. False when no such session of the caller exists (another user's id included).",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const parsed = fromGlobalId(String(args.id));
      if (parsed?.type !== "Session") return false;
      const userId = ctx.user.id;
      if (parsed.id === (await ctx.session.getSessionId())) {
        await ctx.session.end();
        ctx.log.info({ event: "revoke_session", userId, current: true }, "session revoked");
        return true;
      }
      // Another user's id, a missing id and an expired one all answer false, alike.
      const ended = await ctx.sessions.end(parsed.id, userId, ctx.session.now());
      if (ended) ctx.log.info({ event: "revoke_session", userId }, "session revoked");
      return ended;
    },
  }),
);

builder.mutationField("changePassword", (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description: `Sets a new password (${PASSWORD_MIN} to ${PASSWORD_MAX} characters, not a common one). Ends every other session; this one stays signed in under a new cookie.`,
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: async (_root, { currentPassword, newPassword }, ctx) => {
      const userId = ctx.user.id;
      if (currentPassword.length > PASSWORD_MAX) {
        throw badInput(`currentPassword must be at most ${PASSWORD_MAX} characters`, "currentPassword");
      }
      if ([...newPassword].length < PASSWORD_MIN || newPassword.length > PASSWORD_MAX) {
        throw badInput(`newPassword must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, "newPassword");
      }
      if (isCommonPassword(newPassword)) {
        throw badInput("newPassword is too common; choose another", "newPassword");
      }
      const row = await ctx.prisma.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
      // Check and new hash share one slot: a guess that got in is never refused halfway.
      const passwordHash = await ctx.hashes.run(`user:${userId}`, async () =>
        (await verifyPassword(row?.passwordHash ?? null, currentPassword)) ? hashPassword(newPassword) : null,
      );
      if (passwordHash === null) {
        ctx.log.info({ event: "change_password_failed", userId }, "password change refused");
        throw invalidCredentials();
      }
      // A re-authentication: this session moves to a new id (its old cookie dies with the
      // others), in the same transaction as the new hash.
      const done = await ctx.session.rotate(ctx.prisma.user.update({ where: { id: userId }, data: { passwordHash } }));
      if (!done) throw unauthenticated(); // the session ended meanwhile; nothing changed
      ctx.log.info({ event: "change_password", userId }, "password changed");
      return true;
    },
  }),
);
