// The caller's account: `login`, `logout` and `changePassword`.
import { GraphQLError } from "graphql";
import { hashPassword, verifyPassword } from "../auth/password.js";
import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from "../auth/password-policy.js";
import { normalizeUsername } from "../auth/username.js";
import { badInput, invalidCredentials, unauthenticated } from "../errors.js";
import { builder } from "./builder.js";
import { UserRef } from "./user.js";

builder.mutationField("login", (t) =>
  t.field({
    type: UserRef,
    description:
      "Checks the username and password and starts a new session (Set-Cookie). Wrong password and unknown user give the same INVALID_CREDENTIALS.",
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
      const attempt = await ctx.throttle.attempt(username, ctx.clientAddress).catch((e: unknown) => {
        if (e instanceof GraphQLError)
          ctx.log.warn({ event: "login_throttled", address: ctx.clientAddress }, "throttled");
        throw e;
      });
      const found = await ctx.users.findForLogin(username);
      // An unknown user still pays for a hash check (in the same queue), so timing tells nothing.
      const ok = await ctx.hashes.run(null, () => verifyPassword(found?.passwordHash ?? null, args.password));
      if (!found || !ok) {
        ctx.log.info({ event: "login_failed" }, "login failed");
        throw invalidCredentials();
      }
      await attempt.succeeded();
      const { passwordHash: _, ...user } = found;
      await ctx.session.start(user);
      ctx.user = user;
      ctx.log.info({ event: "login", userId: user.id }, "login");
      return user;
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
      await ctx.session.end();
      ctx.user = null;
      if (userId) ctx.log.info({ event: "logout", userId }, "logout");
      return true;
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
      const problem = await passwordProblem(newPassword, ctx.user.username);
      if (problem) throw badInput(`newPassword ${problem}`, "newPassword");
      const stored = await ctx.users.passwordHash(userId);
      // Check and new hash share one slot: a guess that got in is never refused halfway.
      const passwordHash = await ctx.hashes.run(`user:${userId}`, async () =>
        (await verifyPassword(stored, currentPassword)) ? hashPassword(newPassword) : null,
      );
      if (passwordHash === null) {
        ctx.log.info({ event: "change_password_failed", userId }, "password change refused");
        throw invalidCredentials();
      }
      // A re-authentication: this session moves to a new id (its old cookie dies with the
      // others), in the same transaction as the new hash.
      const done = await ctx.session.rotate(ctx.users.setPasswordHash(userId, passwordHash));
      if (!done) throw unauthenticated(); // the session ended meanwhile; nothing changed
      ctx.log.info({ event: "change_password", userId }, "password changed");
      return true;
    },
  }),
);
