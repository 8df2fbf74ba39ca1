// Password reset by email: `requestPasswordReset` and `resetPassword`.
import { hashPassword } from "../auth/password.js";
import { PASSWORD_MAX, passwordProblem } from "../auth/password-policy.js";
import { CODE_MAX, spendCode } from "../auth/second-factor.js";
import { badInput, invalidCode, invalidLink } from "../errors.js";
import { normalizeEmail } from "../mail/address.js";
import { notify } from "../mail/notices.js";
import { hashToken, isTokenShape } from "../mail/tokens.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { codeAccount, countGuess } from "./guess.js";

/** Checks a link token's shape; its hash, for lookups and the throttle. */
export function linkTokenHash(token: string): string {
  if (!isTokenShape(token)) throw badInput("token is malformed: copy the whole link", "token");
  return hashToken(token);
}

builder.mutationField("requestPasswordReset", (t) =>
  t.boolean({
    description:
      "Emails a link to reset the password (APP_URL/account#reset=TOKEN, valid 30 minutes, works once) when the address belongs to an account. Always true, in the same time, whether it does or not; a malformed address is BAD_USER_INPUT. Throttled per address and per caller (RATE_LIMITED).",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: { email: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const { key } = normalizeEmail(args.email);
      // Never marked a success: every request counts against the address and the caller.
      await countGuess(ctx, `reset:${key}`, null, "request_password_reset");
      // The same single insert for every address: the lookup and the mail happen in the worker.
      await ctx.mail.requestReset(key);
      return true;
    },
  }),
);

builder.mutationField("resetPassword", (t) =>
  t.boolean({
    description:
      "Sets a new password with the token from a reset link; with a second factor enrolled, `code` (TOTP or recovery code) too. Ends every session of the account. A wrong, used or expired token or a wrong code: INVALID_CREDENTIALS; a missing code or a weak password: BAD_USER_INPUT (the link still works then).",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: {
      token: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
      code: t.arg.string(),
    },
    resolve: async (_root, { token, newPassword, code }, ctx) => {
      const hash = linkTokenHash(token);
      if (newPassword.length > PASSWORD_MAX) {
        throw badInput(`newPassword must be at most ${PASSWORD_MAX} characters`, "newPassword");
      }
      if (code != null && code.length > CODE_MAX) throw badInput(`code must be at most ${CODE_MAX} characters`, "code");
      const now = ctx.session.now();
      // Per link and per caller, before the lookup.
      const attempt = await countGuess(ctx, `reset:${hash.slice(0, 32)}`, null, "reset_password");
      const row = await ctx.mail.tokens.find(hash, "RESET", now);
      const user = row && (await ctx.users.findById(row.userId));
      if (!row || !user) throw invalidLink();
      const problem = await passwordProblem(newPassword, user.username);
      if (problem) throw badInput(`newPassword ${problem}`, "newPassword");
      const enrolled = await ctx.factors.enrolled(user.id);
      if (enrolled && code == null) throw badInput("code is required: this account has a second factor", "code");
      if (!enrolled && code != null) throw badInput("this account has no second factor: leave out code", "code");
      if (code != null) {
        // Also per account across addresses, like every other code check.
        const codeAttempt = await countGuess(ctx, codeAccount(user.id), user.id, "reset_password");
        if (!(await spendCode(ctx, user.id, code, now))) {
          await audit(ctx, "PASSWORD_RESET_FAILED", { userId: user.id, detail: "otp" });
          throw invalidCode();
        }
        await codeAttempt.succeeded();
      }
      if (
        !(await ctx.mail.tokens.spendReset(
          row.id,
          user.id,
          await ctx.hashes.run(`user:${user.id}`, () => hashPassword(newPassword)),
        ))
      )
        throw invalidLink();
      await attempt.succeeded();
      // The caller's own session, if it was one of this account's, is gone: say so in its cookie.
      if (ctx.user?.id === user.id) {
        await ctx.session.end();
        ctx.user = null;
      }
      await audit(ctx, "PASSWORD_RESET", { userId: user.id, detail: code != null ? "email+otp" : "email" });
      await notify(ctx, user.id, "password-reset");
      return true;
    },
  }),
);
