// One guess at a verifier: counted per account and per address before anything is checked.
import { GraphQLError } from "graphql";
import type { Attempt } from "../auth/throttle.js";
import type { Context } from "../http/context.js";
import { audit } from "./audit.js";

/** The throttle's account key for second-factor codes (usernames cannot hold ':'). */
export const codeAccount = (userId: string) => `code:${userId}`;

/**
 * Counts one guess at `verifier` against `account` (a username, or `codeAccount(id)`) and
 * the caller's address. Past either limit: audits THROTTLED and throws RATE_LIMITED.
 * `userId` may be a lookup, run only when throttled.
 */
export async function countGuess(
  ctx: Context,
  account: string,
  userId: string | null | (() => Promise<string | null>),
  verifier: string,
): Promise<Attempt> {
  try {
    return await ctx.throttle.attempt(account, ctx.clientAddress);
  } catch (e) {
    if (e instanceof GraphQLError && e.extensions.code === "RATE_LIMITED") {
      const id = typeof userId === "function" ? await userId() : userId;
      await audit(ctx, "THROTTLED", { userId: id, detail: verifier, logEvent: `${verifier}_throttled` });
    }
    throw e;
  }
}
