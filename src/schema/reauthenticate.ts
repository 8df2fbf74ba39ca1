// `reauthenticate`: step-up for a signed-in session (password, plus the second factor when enrolled).
import { verifyPassword } from "../auth/password.js";
import { PASSWORD_MAX } from "../auth/password-policy.js";
import { CODE_MAX, spendCode } from "../auth/second-factor.js";
import type { Attempt } from "../auth/throttle.js";
import { badInput, invalidCode, invalidCredentials, unauthenticated } from "../errors.js";
import { methodsFor, type Proof } from "../session/step-up.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { codeAccount, countGuess } from "./guess.js";

builder.mutationField("reauthenticate", (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description:
      "Proves again who you are, so that changes that need a recent authentication work for REAUTH_MAX_AGE: the password, plus `code` (TOTP or recovery code) when the account has a second factor. The session gets a new id and cookie and stays one entry in mySessions. Wrong password or code: INVALID_CREDENTIALS.",
    args: {
      password: t.arg.string(),
      code: t.arg.string(),
      passkey: t.arg({ type: "JSON", description: "A WebAuthn assertion. Not enabled yet." }),
    },
    resolve: async (_root, { password, code, passkey }, ctx) => {
      if (passkey != null) throw badInput("passkeys are not enabled on this server", "passkey");
      if (password == null) throw badInput("password is required", "password");
      if (password.length > PASSWORD_MAX) {
        throw badInput(`password must be at most ${PASSWORD_MAX} characters`, "password");
      }
      if (code != null && code.length > CODE_MAX) throw badInput(`code must be at most ${CODE_MAX} characters`, "code");
      const user = ctx.user;
      const enrolled = ctx.session.authState()?.secondFactor ?? false;
      if (enrolled && code == null) throw badInput("code is required: this account has a second factor", "code");
      if (!enrolled && code != null) throw badInput("this account has no second factor: leave out code", "code");
      // Both guesses are counted before either is checked.
      const attempts: Attempt[] = [await countGuess(ctx, user.username, user.id, "reauthenticate")];
      if (code != null) attempts.push(await countGuess(ctx, codeAccount(user.id), user.id, "reauthenticate"));
      const stored = await ctx.users.passwordHash(user.id);
      if (!(await ctx.hashes.run(`user:${user.id}`, () => verifyPassword(stored, password)))) {
        await audit(ctx, "REAUTHENTICATION_FAILED", { userId: user.id, detail: "pwd" });
        throw invalidCredentials();
      }
      let proof: Proof = "password";
      if (code != null) {
        const spent = await spendCode(ctx, user.id, code, ctx.session.now());
        if (!spent) {
          await audit(ctx, "REAUTHENTICATION_FAILED", { userId: user.id, detail: "otp" });
          throw invalidCode();
        }
        proof = spent;
      }
      await Promise.all(attempts.map((a) => a.succeeded()));
      if (!(await ctx.session.reauthenticate(methodsFor(proof)))) throw unauthenticated();
      if (proof === "password+recovery") {
        await audit(ctx, "RECOVERY_CODE_USED", { userId: user.id, detail: "reauthenticate" });
      }
      await audit(ctx, "REAUTHENTICATED", { userId: user.id, detail: methodsFor(proof).join("+") });
      return true;
    },
  }),
);
