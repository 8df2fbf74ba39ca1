// The caller's account: `login`, `logout` and `changePassword`.
import { hashPassword, verifyPassword } from "../auth/password.js";
import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from "../auth/password-policy.js";
import { normalizeUsername } from "../auth/username.js";
import { badInput, invalidCredentials, unauthenticated } from "../errors.js";
import { notify } from "../mail/notices.js";
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
      const attempt = await countGuess(ctx, username, () => ctx.users.idOf(username), "login");
      const found = await ctx.users.findForLogin(username);
      // An unknown user still pays for a hash check (in the same queue), so timing tells nothing.
      const ok = await ctx.hashes.run(null, () => verifyPassword(found?.passwordHash ?? null, args.password));
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
      const userId = ctx.user?.id;
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
      const problem = await passwordProblem(newPassword, ctx.user.username);
      if (problem) throw badInput(`newPassword ${problem}`, "newPassword");
      // Counted like a login guess, before the check: a stolen session cannot try passwords fast.
      const attempt = await countGuess(ctx, ctx.user.username, userId, "change_password");
      const stored = await ctx.users.passwordHash(userId);
      // Check and new hash share one slot: a guess that got in is never refused halfway.
      const passwordHash = await ctx.hashes.run(`user:${userId}`, async () =>
        (await verifyPassword(stored, currentPassword)) ? hashPassword(newPassword) : null,
      );
      if (passwordHash === null) {
        await audit(ctx, "PASSWORD_CHANGE_FAILED", { userId, detail: "pwd", logEvent: "change_password_failed" });
        throw invalidCredentials();
      }
      await attempt.succeeded();
      // A re-authentication: this session moves to a new id (its old cookie dies with the
      // others), in the same transaction as the new hash. Without a second factor the
      // password just checked is a full authentication; with one, the factor's time stays.
      const fresh = ctx.session.authState()?.secondFactor
        ? undefined
        : { authenticatedAt: new Date(ctx.session.now() * 1000), methods: ["pwd"] };
      const done = await ctx.session.rotate(ctx.users.setPasswordHash(userId, passwordHash), fresh);
      if (!done) throw unauthenticated(); // the session ended meanwhile; nothing changed
      await audit(ctx, "PASSWORD_CHANGED", { userId, logEvent: "change_password" });
      await notify(ctx, userId, "password-changed");
      return true;
    },
  }),
);
