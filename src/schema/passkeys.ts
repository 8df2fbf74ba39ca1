// Passkeys: options for every ceremony, registering and removing, and signing in with one alone.
import { normalizeUsername } from "../auth/username.js";
import { assertionOptions, checkRegistration, registrationOptions } from "../auth/webauthn.js";
import { parseRegistration } from "../auth/webauthn-input.js";
import type { PasskeyRow } from "../db/passkeys.js";
import { badInput } from "../errors.js";
import { notify } from "../mail/notices.js";
import { methodsFor } from "../session/step-up.js";
import { audit } from "./audit.js";
import { builder } from "./builder.js";
import { fromGlobalId } from "./node.js";
import { verifyPasskey } from "./passkey-assertion.js";
import { rememberChallenge, takeChallenge } from "./passkey-challenge.js";
import { PasskeyRef } from "./security.js";
import { UserRef } from "./user.js";

const NAME_MAX = 64;

builder.mutationField("passkeyLoginOptions", (t) =>
  t.field({
    type: "JSON",
    description:
      "WebAuthn request options (PublicKeyCredentialRequestOptionsJSON) for every passkey assertion: signing in (loginWithPasskey), the passkey step of a pending sign-in (verifySecondFactor) and reauthenticate. With `username`, that user's passkeys; without, any discoverable passkey (or the pending or signed-in user's). The challenge is bound to this browser by a cookie, single use, and expires in 5 minutes.",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: { username: t.arg.string() },
    resolve: async (_root, { username }, ctx) => {
      // The same rules as login: NFKC, letters, digits, '.', '_' and '-' only (a NUL never reaches SQL).
      const name = username == null ? null : normalizeUsername(username);
      const pending = name == null ? await ctx.session.getPending() : null;
      const userId = name != null ? await ctx.users.idOf(name) : (pending?.uid ?? ctx.user?.id ?? null);
      const keys = userId ? await ctx.passkeys.list(userId) : [];
      const options = await assertionOptions(ctx.config.webauthn, keys);
      await rememberChallenge(ctx, "assert", options.challenge, userId);
      return options;
    },
  }),
);

builder.mutationField("passkeyRegistrationOptions", (t) =>
  t.withAuth({ recentAuth: true }).field({
    type: "JSON",
    description:
      "WebAuthn creation options (PublicKeyCredentialCreationOptionsJSON) for a new passkey of the caller (recent authentication): user verification required, a discoverable credential preferred, ES256 or RS256. Pass the result of navigator.credentials.create to registerPasskey within 5 minutes.",
    resolve: async (_root, _args, ctx) => {
      const existing = await ctx.passkeys.list(ctx.user.id);
      const options = await registrationOptions(ctx.config.webauthn, ctx.user, existing);
      await rememberChallenge(ctx, "register", options.challenge, ctx.user.id);
      return options;
    },
  }),
);

builder.mutationField("registerPasskey", (t) =>
  t.withAuth({ recentAuth: true }).field({
    type: PasskeyRef,
    description:
      "Stores the new passkey (credential.toJSON() of navigator.credentials.create) answering this browser's passkeyRegistrationOptions (recent authentication). A response that does not verify, or no registration under way: BAD_USER_INPUT.",
    args: {
      response: t.arg({ type: "JSON", required: true }),
      name: t.arg.string({ description: `How the passkey is listed, 1 to ${NAME_MAX} characters. Default "Passkey".` }),
    },
    resolve: async (_root, args, ctx) => {
      const name = (args.name ?? "Passkey").trim();
      if (name.length === 0 || name.length > NAME_MAX)
        throw badInput(`name must be 1 to ${NAME_MAX} characters`, "name");
      const response = parseRegistration(args.response, "response");
      const userId = ctx.user.id;
      const now = new Date(ctx.session.now() * 1000);
      const challenge = await takeChallenge(ctx, now);
      if (challenge?.purpose !== "register" || challenge.userId !== userId) {
        throw badInput(
          "no passkey registration is under way here (or it expired): call passkeyRegistrationOptions",
          "response",
        );
      }
      const credential = await checkRegistration(ctx.config.webauthn, response, challenge.challenge);
      if (!credential) throw badInput("the passkey response did not verify", "response");
      const row = await ctx.passkeys.add({
        userId,
        credentialId: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ?? [],
        name,
        now,
      });
      if (!row) throw badInput("this passkey is already registered", "response");
      // The new passkey is a second factor now; this session just proved it, like a TOTP confirmation.
      await ctx.session.reauthenticate(methodsFor("password+passkey"), ctx.session.authState()?.authenticatedAt);
      await audit(ctx, "PASSKEY_ADDED", { userId, detail: name });
      await notify(ctx, userId, "passkey-added");
      return row;
    },
  }),
);

builder.mutationField("removePasskey", (t) =>
  t.withAuth({ recentAuth: true }).boolean({
    description:
      "Removes one of the caller's passkeys (recent authentication). Every account keeps its password, so this never leaves it without a way to sign in. Not the caller's, or gone: BAD_USER_INPUT.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const parsed = fromGlobalId(String(id));
      if (parsed?.type !== "Passkey") throw badInput("id is not a passkey id", "id");
      if (!(await ctx.passkeys.remove(parsed.id, ctx.user.id))) throw badInput("no such passkey", "id");
      await audit(ctx, "PASSKEY_REMOVED", { userId: ctx.user.id });
      await notify(ctx, ctx.user.id, "passkey-removed");
      return true;
    },
  }),
);

builder.mutationField("loginWithPasskey", (t) =>
  t.field({
    type: UserRef,
    description:
      "Signs in with a passkey alone (credential.toJSON() of navigator.credentials.get, answering this browser's passkeyLoginOptions): a full multi-factor sign-in on a new session. Anything that does not verify: INVALID_CREDENTIALS.",
    skipTypeScopes: true,
    authScopes: { public: true },
    args: { response: t.arg({ type: "JSON", required: true }) },
    resolve: async (_root, args, ctx) => {
      const key: PasskeyRow = await verifyPasskey(
        ctx,
        args.response,
        "response",
        null,
        "passkey_login",
        "SIGN_IN_FAILED",
      );
      const user = await ctx.users.findById(key.userId);
      if (!user) throw badInput("the account of this passkey is gone", "response");
      await ctx.session.start(user, methodsFor("passkey"), true);
      ctx.user = user;
      await audit(ctx, "SIGN_IN", { userId: user.id, detail: methodsFor("passkey").join("+"), logEvent: "login" });
      return user;
    },
  }),
);
