// The end of a correct password at login: a session, or a pending sign-in awaiting the second factor.

import type { CurrentUser } from "../db/users.js";
import { secondFactorRequired } from "../errors.js";
import type { Context } from "../http/context.js";
import { methodsFor, PENDING_SIGN_IN_TTL } from "../session/step-up.js";
import { audit } from "./audit.js";

/**
 * Signs `user` in after a correct password. A user with a second factor gets a pending
 * sign-in cookie instead and the error SECOND_FACTOR_REQUIRED (thrown).
 */
export async function afterPassword(ctx: Context, user: CurrentUser): Promise<CurrentUser> {
  const [totp, passkey] = await Promise.all([ctx.factors.enrolled(user.id), ctx.passkeys.any(user.id)]);
  // `extensions.methods` names them as the SecondFactor enum does.
  const methods = [...(totp ? ["TOTP", "RECOVERY_CODE"] : []), ...(passkey ? ["PASSKEY"] : [])];
  if (methods.length > 0) {
    const pendingId = await ctx.factors.createPending(user.id, ctx.session.now(), PENDING_SIGN_IN_TTL);
    await ctx.session.startPending(user.id, pendingId);
    ctx.user = null;
    await audit(ctx, "SECOND_FACTOR_REQUIRED", { userId: user.id, detail: "pwd" });
    throw secondFactorRequired(methods);
  }
  await ctx.session.start(user, methodsFor("password"), false);
  ctx.user = user;
  await audit(ctx, "SIGN_IN", { userId: user.id, detail: "pwd", logEvent: "login" });
  return user;
}
