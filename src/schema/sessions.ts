// A user's sessions: listing, revoking, signing out everywhere, changing the password.

import { isCommonPassword } from "../auth/common-passwords.js";
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from "../auth/password.js";
import { badInput, invalidCredentials, unauthenticated } from "../errors.js";
import type { SessionRecord } from "../session/store.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { countGuess } from "./guess.js";
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
    authenticatedAt: t.expose("authenticatedAt", {
      type: "DateTime",
      description: "When this session last fully authenticated: login or reauthenticate.",
    }),
    methods: t.exposeStringList("methods", {
      description: "How, as RFC 8176 amr values: pwd, otp, hwk, mfa.",
    }),
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
  t.withAuth({ recentAuth: true }).boolean({
    description:
      "Ends every session of the caller, this one included, in every client. Needs a recent authentication (REAUTHENTICATION_REQUIRED otherwise).",
    resolve: async (_root, _args, ctx) => {
      const userId = ctx.user.id;
      await audit(ctx, "SIGNED_OUT_EVERYWHERE", { userId, logEvent: "logout_everywhere" });
      await ctx.session.end();
      await ctx.sessions.endAll(userId);
      return true;
    },
  }),
);

builder.mutationField("revokeSession", (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description:
      "Ends one of the caller's sessions. False when no such session of the caller exists (another user's id included). Ending another session than this one needs a recent authentication (REAUTHENTICATION_REQUIRED otherwise).",
    args: { id: t.arg.id({ required: true }) },
    // Signing this session out is always allowed; ending another one is a sensitive change.
    authScopes: async (_root, args, ctx) => {
      const parsed = fromGlobalId(String(args.id));
      const current = parsed?.type === "Session" && parsed.id === (await ctx.session.getSessionId());
      return current ? { signedIn: true } : { recentAuth: true };
    },
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
      if (ended) await audit(ctx, "SESSION_REVOKED", { userId, logEvent: "revoke_session" });
      return ended;
    },
  }),
);

builder.mutationField("changePassword", (t) =>
  // currentPassword is a fresh password check; a user with a second factor also needs it recently.
  t.withAuth({ recentSecondFactor: true }).boolean({
    description: `Sets a new password (${PASSWORD_MIN} to ${PASSWORD_MAX} characters, not a common one). Ends every other session; this one stays signed in under a new cookie. With a second factor enrolled it also needs a recent authentication that included the factor (REAUTHENTICATION_REQUIRED otherwise: call reauthenticate with password and code).`,
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
      // Counted like a login guess, before the check: a stolen session cannot try passwords fast.
      const attempt = await countGuess(ctx, ctx.user.username, userId, "change_password");
      const row = await ctx.prisma.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
      if (!(await verifyPassword(row?.passwordHash ?? null, currentPassword))) {
        await audit(ctx, "PASSWORD_CHANGE_FAILED", { userId, detail: "pwd", logEvent: "change_password_failed" });
        throw invalidCredentials();
      }
      await attempt.succeeded();
      const passwordHash = await hashPassword(newPassword);
      // A re-authentication: this session moves to a new id (its old cookie dies with the
      // others), in the same transaction as the new hash. Without a second factor the
      // password just checked is a full authentication; with one, the factor's time stays.
      const now = ctx.session.now();
      const fresh = ctx.session.authState()?.secondFactor
        ? undefined
        : { authenticatedAt: new Date(now * 1000), methods: ["pwd"] };
      const update = ctx.prisma.user.update({ where: { id: userId }, data: { passwordHash } });
      const done = await ctx.session.rotate(update, fresh);
      if (!done) throw unauthenticated(); // the session ended meanwhile; nothing changed
      await audit(ctx, "PASSWORD_CHANGED", { userId, logEvent: "change_password" });
      return true;
    },
  }),
);
