// Signing in and out: `login` and `logout`.
import { GraphQLError } from "graphql";
import { PASSWORD_MAX, verifyPassword } from "../auth/password.js";
import { normalizeUsername } from "../auth/username.js";
import { badInput, invalidCredentials } from "../errors.js";
import { currentUserSelect } from "../session/store.js";
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
      const found = await ctx.prisma.user.findUnique({
        where: { username },
        select: { ...currentUserSelect, passwordHash: true },
      });
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
      const userId = (await ctx.getUser())?.id;
      await ctx.session.end();
      ctx.user = null;
      if (userId) ctx.log.info({ event: "logout", userId }, "logout");
      return true;
    },
  }),
);
