// Signing in and out: `login` and `logout`.
import { PASSWORD_MAX, verifyPassword } from "../auth/password.js";
import { normalizeUsername } from "../auth/username.js";
import { badInput, invalidCredentials } from "../errors.js";
import { currentUserSelect } from "../session/store.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { countGuess } from "./guess.js";
import { afterPassword } from "./sign-in.js";
import { UserRef } from "./user.js";

builder.mutationField("login", (t) =>
  t.field({
    type: UserRef,
    description:
      "Checks the username and password and starts a new session (Set-Cookie). Wrong password and unknown user give the same INVALID_CREDENTIALS. A user with a second factor gets SECOND_FACTOR_REQUIRED and a pending sign-in instead: finish it with verifySecondFactor.",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const username = normalizeUsername(args.username);
      if (args.password.length > PASSWORD_MAX) {
        throw badInput(`password must be at most ${PASSWORD_MAX} characters`, "password");
      }
      // Counted before the hash check, so that parallel guesses cannot outrun the limit.
      const attempt = await countGuess(
        ctx,
        username,
        async () => (await ctx.prisma.user.findUnique({ where: { username }, select: { id: true } }))?.id ?? null,
        "login",
      );
      const found = await ctx.prisma.user.findUnique({
        where: { username },
        select: { ...currentUserSelect, passwordHash: true },
      });
      // An unknown user still pays for a hash check, so timing tells nothing.
      const ok = await verifyPassword(found?.passwordHash ?? null, args.password);
      if (!found || !ok) {
        await audit(ctx, "SIGN_IN_FAILED", { userId: found?.id ?? null, detail: "pwd", logEvent: "login_failed" });
        throw invalidCredentials();
      }
      await attempt.succeeded();
      const { passwordHash: _, ...user } = found;
      return afterPassword(ctx, user);
    },
  }),
);

builder.mutationField("logout", (t) =>
  t.boolean({
    description: "Ends this session on the server and expires the cookie. Always true; safe to repeat.",
    skipTypeScopes: true,
    authScopes: { public: true },
    resolve: async (_root, _args, ctx) => {
      const userId = (await ctx.getUser())?.id;
      // A pending sign-in ends here too: its cookie, replayed, cannot be completed.
      const pending = await ctx.session.getPending();
      if (pending) await ctx.factors.consumePending(pending.pid, pending.uid, ctx.session.now());
      await ctx.session.end();
      ctx.user = null;
      if (userId) ctx.log.info({ event: "logout", userId }, "logout");
      return true;
    },
  }),
);
