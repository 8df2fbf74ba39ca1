// Email addresses as accounts hold them: checked, normalised, and keyed case-insensitively.
import { badInput } from "../errors.js";

/** Longest address accepted (RFC 5321's path limit less the angle brackets). */
export const EMAIL_MAX = 254;

// The HTML living standard's "valid email address": what a browser's type=email accepts.
// No quoted local parts, comments or IP literals: nothing that needs escaping in a header.
const SHAPE =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

export interface Address {
  /** As entered, trimmed, with the domain in lower case. */
  email: string;
  /** The whole address in lower case: one account per key. */
  key: string;
}

/**
 * Checks and normalises `raw`; throws BAD_USER_INPUT naming `argument` for anything but one
 * plain address of at most 254 characters (line breaks, spaces, display names, several
 * addresses and quoted forms are all refused, so nothing can be smuggled into a header).
 */
export function normalizeEmail(raw: string, argument = "email"): Address {
  const trimmed = raw.trim();
  if (trimmed.length > EMAIL_MAX) throw badInput(`${argument} must be at most ${EMAIL_MAX} characters`, argument);
  if (!SHAPE.test(trimmed)) throw badInput(`${argument} is not an email address like name@example.com`, argument);
  const at = trimmed.lastIndexOf("@");
  const email = `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
  return { email, key: email.toLowerCase() };
}
