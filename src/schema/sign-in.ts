// The end of a correct password at login: a session, or a pending sign-in awaiting the second factor.

import type { CurrentUser } from "../db/users.js";
import { secondFactorRequired } from "../errors.js";
import type { Context } from "../http/context.js";
import { methodsFor, PENDING_SIGN_IN_TTL } from "../session/step-up.js";
import { audit } from "./audit.js";

/** The user's second factors as `extensions.methods` names them (the SecondFactor enum). */
const METHODS = ["TOTP", "RECOVERY_CODE"];

/**
 * Signs `user` in after a correct password. A user with a second factor gets a pending
 * sign-in cookie instead and the error SECOND_FACTOR_REQUIRED (thrown).
 */
export async function afterPassword(ctx: Context, user: CurrentUser): Promise<CurrentUser> {
  if (await ctx.factors.enrolled(user.id)) {
    const pendingId = await ctx.factors.createPending(user.id, ctx.session.now(), PENDING_SIGN_IN_TTL);
    await ctx.session.startPending(user.id, pendingId);
    ctx.user = null;
    await audit(ctx, "SECOND_FACTOR_REQUIRED", { userId: user.id, detail: "pwd" });
    throw secondFactorRequired(METHODS);
  }
  await ctx.session.start(user, methodsFor("password"), false);
  ctx.user = user;
  await audit(ctx, "SIGN_IN", { userId: user.id, detail: "pwd", logEvent: "login" });
  return user;
}
