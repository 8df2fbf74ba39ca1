// Recovery codes: generation, the form users type them in, and the hash that is stored.
import { createHash, randomInt } from "node:crypto";

export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32 (no I, L, O, U): 5 bits a character, nothing easily misread.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS = 4;
const GROUP_LENGTH = 6;
/** 24 characters of 5 bits: 120 random bits per code. */
const LENGTH = GROUPS * GROUP_LENGTH;

/** Fresh codes as shown once to the user, e.g. `7KD2QX-M9TB0C-...` (4 groups of 6). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    let code = "";
    for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    return code.match(new RegExp(`.{${GROUP_LENGTH}}`, "g"))?.join("-") ?? code;
  });
}

/**
 * The canonical form of a typed code (case, spaces and dashes ignored; I and L read as 1,
 * O as 0), or null when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (code.length !== LENGTH) return null;
  for (const ch of code) if (!ALPHABET.includes(ch)) return null;
  return code;
}

/**
 * SHA-256 of the canonical code. A plain hash suffices because each code carries 120 random
 * bits (ASVS 6.5.2 allows an unsalted standard hash from 112 bits): a stolen table cannot be
 * searched, whereas a slow password hash would cost ~50 ms per stored code at every use.
 */
export function hashRecoveryCode(canonical: string): string {
  return createHash("sha256").update(canonical).digest("hex");
}
