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

let common: Promise<ReadonlySet<string>> | undefined;

/**
 * zxcvbn-ts's list of common passwords (about 30,000, lower case), loaded on the first
 * password change rather than at start-up: most processes never need it.
 */
function commonPasswords(): Promise<ReadonlySet<string>> {
  common ??= import("@zxcvbn-ts/language-common").then(
    ({ dictionary }) => new Set([...dictionary["passwords-common"], ...CONTEXT_WORDS]),
  );
  return common;
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
  if ((await commonPasswords()).has(lower)) return "is too common; choose another";
  if (username && username.length >= 3 && lower.includes(username.toLowerCase())) {
    return "must not contain the username";
  }
  return null;
}
