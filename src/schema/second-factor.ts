// TOTP enrollment, recovery codes, and finishing a pending sign-in with a second factor.
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "../auth/recovery-codes.js";
import { CODE_MAX, spendCode } from "../auth/second-factor.js";
import type { Attempt } from "../auth/throttle.js";
import { newTotpSecret, totpQrSvg, totpStep, totpUri } from "../auth/totp.js";
import { badInput, invalidCode, noPendingSignIn } from "../errors.js";
import { notify } from "../mail/notices.js";
import { methodsFor, type Proof } from "../session/step-up.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { codeAccount, countGuess } from "./guess.js";
import { verifyPasskey } from "./passkey-assertion.js";
import { UserRef } from "./user.js";

interface Enrollment {
  secret: string;
  uri: string;
  qrSvg: string;
}

const TotpEnrollmentRef = builder.objectRef<Enrollment>("TotpEnrollment").implement({
  description: "A started TOTP enrollment: add it to an authenticator app, then confirm with a code.",
  // Only ever returned to the caller who started it.
  authScopes: { signedIn: true },
  fields: (t) => ({
    secret: t.exposeString("secret", { description: "The base32 secret, for typing in by hand." }),
    uri: t.exposeString("uri", { description: "The otpauth:// URI (SHA-1, 6 digits, 30 s)." }),
    qrSvg: t.exposeString("qrSvg", { description: "The URI as an SVG QR code." }),
  }),
});

/** Checks a code argument's length: longer than CODE_MAX is bad input, not a wrong code. */
function checkCodeLength(code: string): void {
  if (code.length > CODE_MAX) throw badInput(`code must be at most ${CODE_MAX} characters`, "code");
}

/** Hashes of fresh recovery codes, and the codes to show once. */
function freshRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = generateRecoveryCodes();
  return { codes, hashes: codes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c) as string)) };
}

builder.mutationField("verifySecondFactor", (t) =>
  t.field({
    type: UserRef,
    description:
      "Completes the pending sign-in that login started (SECOND_FACTOR_REQUIRED) with a TOTP code, a recovery code or a passkey assertion (one of them), and starts a new session. A wrong, reused or expired code or an assertion that fails: INVALID_CREDENTIALS.",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: {
      code: t.arg.string({ description: "Six digits from the authenticator, or one recovery code." }),
      passkey: t.arg({
        type: "JSON",
        description: "credential.toJSON() of navigator.credentials.get, answering passkeyLoginOptions.",
      }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.passkey != null && args.code != null) throw badInput("send either code or passkey, not both", "code");
      if (args.passkey == null && args.code == null) throw badInput("code or passkey is required", "code");
      if (args.code != null) checkCodeLength(args.code);
      const pending = await ctx.session.getPending();
      const now = ctx.session.now();
      if (!pending || !(await ctx.factors.pendingAlive(pending.pid, pending.uid, now))) {
        await ctx.session.end();
        throw noPendingSignIn();
      }
      const userId = pending.uid;
      let proof: Proof | null;
      let attempt: Attempt | null = null;
      if (args.passkey != null) {
        await verifyPasskey(ctx, args.passkey, "passkey", userId, "second_factor", "SECOND_FACTOR_FAILED");
        proof = "password+passkey";
      } else {
        attempt = await countGuess(ctx, codeAccount(userId), userId, "second_factor");
        proof = await spendCode(ctx, userId, args.code as string, now);
      }
      if (!proof) {
        await audit(ctx, "SECOND_FACTOR_FAILED", { userId, detail: "sign-in" });
        throw invalidCode();
      }
      // One use, across every instance: only the caller that deletes the row goes on.
      if (!(await ctx.factors.consumePending(pending.pid, userId, now))) {
        await ctx.session.end();
        throw noPendingSignIn();
      }
      await attempt?.succeeded();
      const user = await ctx.users.findById(userId);
      if (!user) throw noPendingSignIn(); // deleted meanwhile
      await ctx.session.start(user, methodsFor(proof), true);
      ctx.user = user;
      if (proof === "password+recovery") await audit(ctx, "RECOVERY_CODE_USED", { userId, detail: "sign-in" });
      const detail =
        { "password+totp": "pwd+otp", "password+passkey": "pwd+hwk" }[proof as string] ?? "pwd+recovery_code";
      await audit(ctx, "SIGN_IN", { userId, detail, logEvent: "login" });
      return user;
    },
  }),
);

builder.mutationField("startTotpEnrollment", (t) =>
  t.withAuth({ recentAuth: true }).field({
    type: TotpEnrollmentRef,
    description:
      "Starts adding an authenticator app (recent authentication): a new secret, its otpauth:// URI and QR code. Nothing changes for sign-in until confirmTotpEnrollment. BAD_USER_INPUT when TOTP is already on.",
    resolve: async (_root, _args, ctx) => {
      const secret = newTotpSecret();
      const stored = ctx.totpBox.seal(secret, ctx.user.id);
      if (!(await ctx.factors.startTotp(ctx.user.id, stored))) {
        throw badInput("TOTP is already enabled; disable it first to enroll another authenticator");
      }
      const uri = totpUri(secret, ctx.user.username);
      return { secret, uri, qrSvg: await totpQrSvg(uri) };
    },
  }),
);

builder.mutationField("confirmTotpEnrollment", (t) =>
  t.withAuth({ signedIn: true }).stringList({
    description:
      "Turns TOTP on with a current code from the new authenticator and returns 10 recovery codes, shown only this once. BAD_USER_INPUT without a started enrollment.",
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => {
      checkCodeLength(code);
      const userId = ctx.user.id;
      const row = await ctx.factors.totp(userId);
      if (!row || row.confirmed) {
        throw badInput(row ? "TOTP is already enabled" : "no TOTP enrollment started: call startTotpEnrollment first");
      }
      const now = ctx.session.now();
      const step = totpStep(ctx.totpBox.open(row.secret, userId), code, now);
      if (step === null) throw invalidCode();
      const { codes, hashes } = freshRecoveryCodes();
      if (!(await ctx.factors.confirmTotp(userId, step, hashes, now))) {
        throw badInput("no TOTP enrollment started: call startTotpEnrollment first");
      }
      // This session has now shown both factors: it keeps its authentication time and counts
      // as multi-factor, under a new id (a privilege change).
      const since = ctx.session.authState()?.authenticatedAt;
      await ctx.session.reauthenticate(methodsFor("password+totp"), since);
      await audit(ctx, "TOTP_ENABLED", { userId });
      await notify(ctx, userId, "second-factor-added");
      return codes;
    },
  }),
);

builder.mutationField("disableTotp", (t) =>
  t.withAuth({ recentAuth: true }).boolean({
    description:
      "Turns TOTP off and deletes the recovery codes (recent authentication). BAD_USER_INPUT when it is not on.",
    resolve: async (_root, _args, ctx) => {
      if (!(await ctx.factors.disableTotp(ctx.user.id))) throw badInput("TOTP is not enabled");
      await audit(ctx, "TOTP_DISABLED", { userId: ctx.user.id });
      await notify(ctx, ctx.user.id, "second-factor-removed");
      return true;
    },
  }),
);

builder.mutationField("regenerateRecoveryCodes", (t) =>
  t.withAuth({ recentAuth: true }).stringList({
    description:
      "Replaces every recovery code with 10 new ones, shown only this once (recent authentication). BAD_USER_INPUT without TOTP.",
    resolve: async (_root, _args, ctx) => {
      const userId = ctx.user.id;
      if (!(await ctx.factors.enrolled(userId))) throw badInput("TOTP is not enabled: recovery codes come with it");
      const { codes, hashes } = freshRecoveryCodes();
      await ctx.factors.replaceRecoveryCodes(userId, hashes);
      await audit(ctx, "RECOVERY_CODES_REGENERATED", { userId });
      await notify(ctx, userId, "recovery-codes-regenerated");
      return codes;
    },
  }),
);
