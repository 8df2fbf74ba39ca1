// Checking a second-factor code: a TOTP code (each step once) or a recovery code (each once ever).
import type { SecondFactorStore } from "../db/second-factors.js";
import type { Proof } from "../session/step-up.js";
import { hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";
import type { SecretBox } from "./secret-box.js";
import { isTotpCode, totpStep } from "./totp.js";

/** Longest code argument accepted at all; anything longer is BAD_USER_INPUT. */
export const CODE_MAX = 64;

export interface FactorDeps {
  factors: SecondFactorStore;
  totpBox: SecretBox;
}

/**
 * Checks `code` for `userId` at `now` (seconds) and spends it: six digits are a TOTP code,
 * anything else a recovery code. Returns the proof it gives with the password, or null for
 * a wrong, reused, expired or malformed code (nothing is spent then).
 */
export async function spendCode(
  deps: FactorDeps,
  userId: string,
  code: string,
  now: number,
): Promise<Exclude<Proof, "password"> | null> {
  if (isTotpCode(code)) {
    const row = await deps.factors.totp(userId);
    if (!row?.confirmed) return null;
    const step = totpStep(deps.totpBox.open(row.secret, userId), code, now);
    if (step === null) return null;
    return (await deps.factors.useTotpStep(userId, step)) ? "password+totp" : null;
  }
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) return null;
  return (await deps.factors.useRecoveryCode(userId, hashRecoveryCode(canonical))) ? "password+recovery" : null;
}
