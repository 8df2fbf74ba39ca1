// Checking a passkey assertion against the caller's challenge: shared by sign-in, second factor and step-up.
import { checkAssertion } from "../auth/webauthn.js";
import { parseAssertion } from "../auth/webauthn-input.js";
import type { PasskeyRow } from "../db/passkeys.js";
import type { SecurityEventKind } from "../db/security-events.js";
import { invalidPasskey } from "../errors.js";
import type { Context } from "../http/context.js";
import { audit } from "./audit.js";
import { codeAccount, countGuess } from "./guess.js";
import { takeChallenge } from "./passkey-challenge.js";

/** The throttle's account key for passkey assertions whose credential nobody has. */
const UNKNOWN_PASSKEY = "passkey:unknown";

/**
 * Takes the caller's challenge (single use: gone whatever happens next) and checks `value`
 * against it: a passkey of `userId` when given, else of whoever the challenge allows.
 * Counts a guess before the signature is checked. Throws BAD_USER_INPUT for a malformed
 * argument, INVALID_CREDENTIALS for anything that does not verify; returns the passkey used.
 */
export async function verifyPasskey(
  ctx: Context,
  value: unknown,
  arg: string,
  userId: string | null,
  verifier: string,
  failedKind: SecurityEventKind,
): Promise<PasskeyRow> {
  const response = parseAssertion(value, arg);
  const now = new Date(ctx.session.now() * 1000);
  const challenge = await takeChallenge(ctx, now);
  const key = await ctx.passkeys.byCredentialId(response.id);
  const owner = userId ?? key?.userId ?? null;
  const attempt = await countGuess(ctx, owner ? codeAccount(owner) : UNKNOWN_PASSKEY, owner, verifier);
  const fail = async (why: string): Promise<never> => {
    await audit(ctx, failedKind, { userId: owner, detail: `hwk:${why}`, logEvent: `${verifier}_failed` });
    throw invalidPasskey();
  };
  if (challenge?.purpose !== "assert") return fail("challenge");
  if (!key || (userId && key.userId !== userId) || (challenge.userId && key.userId !== challenge.userId)) {
    return fail("credential");
  }
  const counter = await checkAssertion(ctx.config.webauthn, response, challenge.challenge, key);
  if (counter === null) return fail("signature");
  // Conditional on the counter read above: of two racing copies of one assertion, one wins.
  if (!(await ctx.passkeys.used(key.id, key.counter, counter, now))) return fail("counter");
  await attempt.succeeded();
  return key;
}
