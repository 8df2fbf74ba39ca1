// The account's email address: `User.email`, `changeEmail` and `verifyEmail`.
import { badInput, invalidLink } from "../errors.js";
import { normalizeEmail } from "../mail/address.js";
import { VERIFY_TTL } from "../mail/mailer.js";
import { notify } from "../mail/notices.js";
import { addressInUseMessage, noticeMessage, verifyMessage } from "../mail/templates.js";
import { newToken } from "../mail/tokens.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { countGuess } from "./guess.js";
import { linkTokenHash } from "./password-reset.js";
import { UserRef } from "./user.js";

builder.objectField(UserRef, "email", (t) =>
  t.string({
    nullable: true,
    description: "The caller's own verified email address, or null; anyone else's: null and FORBIDDEN.",
    authScopes: (user) => ({ self: user.id }),
    resolve: async (user, _args, ctx) => (await ctx.users.email(user.id))?.email ?? null,
  }),
);

builder.mutationField("changeEmail", (t) =>
  t.withAuth({ recentAuth: true }).boolean({
    description:
      "Starts moving the account to `newEmail` (recent authentication): a link (APP_URL/account#verify=TOKEN, valid 24 hours) goes to the new address and a notice to the current one; the address changes only when the link is followed. Always true for a well-formed address.",
    args: { newEmail: t.arg.string({ required: true }) },
    resolve: async (_root, { newEmail }, ctx) => {
      const { email, key } = normalizeEmail(newEmail, "newEmail");
      const userId = ctx.user.id;
      const current = await ctx.users.email(userId);
      if (current?.email?.toLowerCase() === key) throw badInput("that is already your address", "newEmail");
      // Each request sends mail to an address the caller chooses: counted like a guess.
      await countGuess(ctx, `email:${userId}`, userId, "change_email");
      // Whether another account holds the address is told only to that address.
      if (await ctx.users.emailTaken(key)) {
        await ctx.mail.queue(addressInUseMessage(email));
      } else {
        const { token, hash } = newToken();
        await ctx.mail.tokens.create(userId, "VERIFY", hash, ctx.session.now(), VERIFY_TTL, email);
        await ctx.mail.queue(
          verifyMessage(email, ctx.user.displayName, ctx.mail.link("verify", token), VERIFY_TTL / 3600),
        );
      }
      await audit(ctx, "EMAIL_CHANGE_REQUESTED", { userId });
      await notify(ctx, userId, "email-change-requested");
      return true;
    },
  }),
);

builder.mutationField("verifyEmail", (t) =>
  t.boolean({
    description:
      "Follows the link sent by changeEmail: the account's address becomes the new one, verified. A wrong, used or expired token: INVALID_CREDENTIALS; an address taken meanwhile: BAD_USER_INPUT.",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_root, { token }, ctx) => {
      const hash = linkTokenHash(token);
      const now = ctx.session.now();
      const attempt = await countGuess(ctx, `verify:${hash.slice(0, 32)}`, null, "verify_email");
      const row = await ctx.mail.tokens.find(hash, "VERIFY", now);
      if (!row?.email) throw invalidLink();
      const { email, key } = normalizeEmail(row.email);
      const [before, user] = await Promise.all([ctx.users.email(row.userId), ctx.users.findById(row.userId)]);
      const result = await ctx.mail.tokens.spendVerify(row.id, row.userId, email, key, now);
      if (result === "spent" || !user) throw invalidLink();
      if (result === "taken") throw badInput("this address now belongs to another account", "token");
      await attempt.succeeded();
      await audit(ctx, "EMAIL_CHANGED", { userId: row.userId });
      // The old address hears of it; the new one has just proved itself.
      if (before?.verified && before.email) {
        await ctx.mail.queue(noticeMessage(before.email, user.displayName, "email-changed"));
      }
      return true;
    },
  }),
);
