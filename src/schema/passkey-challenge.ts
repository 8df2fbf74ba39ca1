// This browser's WebAuthn challenge: stored under a fresh challenge cookie, taken back once.
import type { ChallengeRow } from "../db/passkeys.js";
import type { Context } from "../http/context.js";
import { CHALLENGE_TTL } from "../session/challenge-cookie.js";

/** Stores `challenge` under a fresh challenge cookie, replacing any earlier one of this browser. */
export async function rememberChallenge(
  ctx: Context,
  purpose: ChallengeRow["purpose"],
  challenge: string,
  userId: string | null,
): Promise<void> {
  const now = ctx.session.now();
  const { header, rowId } = ctx.challengeCookie.issue();
  const previous = ctx.challengeCookie.rowId(ctx.request.headers.get("cookie"));
  if (previous) await ctx.passkeys.takeChallenge(previous, new Date(now * 1000));
  await ctx.passkeys.putChallenge(
    rowId,
    { purpose, challenge, userId },
    new Date((now + CHALLENGE_TTL) * 1000),
    new Date(now * 1000),
  );
  ctx.session.extra.push(header);
}

/** Takes this browser's challenge (single use: gone whatever happens next) and expires its cookie; null when none. */
export async function takeChallenge(ctx: Context, now: Date): Promise<ChallengeRow | null> {
  const rowId = ctx.challengeCookie.rowId(ctx.request.headers.get("cookie"));
  if (!rowId) return null;
  const challenge = await ctx.passkeys.takeChallenge(rowId, now);
  ctx.session.extra.push(ctx.challengeCookie.expire());
  return challenge;
}
