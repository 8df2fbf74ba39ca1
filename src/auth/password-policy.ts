// What a new password must be: its length, and not a common or context-specific word.
import { House } from "../generated/prisma/enums.js";

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** Words anyone guessing at this service tries first: its name, its houses, its spells. */
const CONTEXT_WORDS = [
  "hogwarts",
  "alohomora",
  "expelliarmus",
  ...Object.keys(House).map((house) => house.toLowerCase()),
];

/**
 * Whether `lower` is in zxcvbn-ts's list of common passwords (about 49,000, lower case) or
 * is one of the context words. The list loads on the first password change, not at start-up
 * (most processes never need it), and the module system keeps it. A scan rather than a Set
 * kept in module state: under a millisecond on a path that then spends ~50 ms in argon2.
 */
async function isCommon(lower: string): Promise<boolean> {
  const { dictionary } = await import("@zxcvbn-ts/language-common");
  return CONTEXT_WORDS.includes(lower) || dictionary["passwords-common"].includes(lower);
}

/**
 * Why `password` may not become someone's password, as the end of a sentence ("must be 8 to
 * 256 characters"), or null when it may. `username` (normalised) is the account's own name,
 * refused inside the password. Length counts code points, so no emoji is half a character.
 */
export async function passwordProblem(password: string, username?: string): Promise<string | null> {
  if ([...password].length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    return `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`;
  }
  const lower = password.toLowerCase();
  if (await isCommon(lower)) return "is too common; choose another";
  if (username && username.length >= 3 && lower.includes(username.toLowerCase())) {
    return "must not contain the username";
  }
  return null;
}
