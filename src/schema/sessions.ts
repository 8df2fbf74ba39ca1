// A user's sessions: listing, revoking one, signing out everywhere.
import type { SessionRow } from "../db/sessions.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { fromGlobalId, NodeRef, nodeLoaders, toGlobalId } from "./node.js";

const SessionRef = builder.objectRef<SessionRow & { current: boolean }>("Session").implement({
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
  if (!ctx.user) return null;
  const row = await ctx.sessionStore.find(id, ctx.user.id, ctx.session.now());
  return row && { ...row, current: row.id === (await ctx.session.getSessionId()) };
});

builder.queryField("mySessions", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [SessionRef],
    description: "The caller's live sessions, most recently used first.",
    resolve: async (_root, _args, ctx) => {
      const current = await ctx.session.getSessionId();
      const rows = await ctx.sessionStore.list(ctx.user.id, ctx.session.now());
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
      await ctx.sessionStore.endAll(userId);
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
      const ended = await ctx.sessionStore.end(parsed.id, userId, ctx.session.now());
      if (ended) await audit(ctx, "SESSION_REVOKED", { userId, logEvent: "revoke_session" });
      return ended;
    },
  }),
);
