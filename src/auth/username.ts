// Usernames: one normal form for storage and login.
import { badInput } from "../errors.js";

export const USERNAME_MAX = 64;

/**
 * NFKC, trimmed, lower-case. Letters and digits of any script, `.`, `_` and `-`, 1 to 64
 * characters. Throws BAD_USER_INPUT otherwise, naming `argument`.
 */
export function normalizeUsername(raw: string, argument = "username"): string {
  const name = raw.normalize("NFKC").trim().toLowerCase();
  if (name.length === 0 || name.length > USERNAME_MAX || !/^[\p{L}\p{N}._-]+$/u.test(name)) {
    throw badInput(`${argument} must be 1 to ${USERNAME_MAX} letters, digits, '.', '_' or '-'`, argument);
  }
  return name;
}
