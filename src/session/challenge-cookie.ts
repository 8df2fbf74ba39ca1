// The WebAuthn challenge cookie: a random value naming the challenge row of the browser that asked.
import { createHash, randomBytes } from "node:crypto";
import type { Config } from "../config/index.js";

/** A challenge lives this long, seconds: the cookie and the row alike. */
export const CHALLENGE_TTL = 300;

export interface ChallengeCookie {
  readonly name: string;
  /** A fresh random value, its Set-Cookie header, and the row id it stands for. */
  issue(): { header: string; rowId: string };
  /** The row id named by the request's challenge cookie, or null (none, several, malformed). */
  rowId(cookieHeader: string | null): string | null;
  /** A Set-Cookie header that deletes the cookie. */
  expire(): string;
}

/** Only a hash of the cookie value is stored, so a database reader cannot answer as the browser. */
const hash = (value: string) => createHash("sha256").update(value).digest("base64url");

/** Named after the session cookie (keeping a `__Host-` prefix), with the same attributes. */
export function createChallengeCookie(cookie: Config["cookie"]): ChallengeCookie {
  const name = `${cookie.name}-challenge`;
  const flags = `Path=/; HttpOnly; SameSite=${cookie.sameSite[0].toUpperCase()}${cookie.sameSite.slice(1)}${
    cookie.secure ? "; Secure" : ""
  }${cookie.partitioned ? "; Partitioned" : ""}`;
  return {
    name,
    issue() {
      const value = randomBytes(32).toString("base64url");
      return { header: `${name}=${value}; Max-Age=${CHALLENGE_TTL}; ${flags}`, rowId: hash(value) };
    },
    rowId(header) {
      if (!header) return null;
      const values = header
        .split(";")
        .map((part) => part.trim())
        .filter((part) => part.startsWith(`${name}=`))
        .map((part) => part.slice(name.length + 1));
      // Two copies means one was planted; neither is trusted.
      if (values.length !== 1 || !/^[A-Za-z0-9_-]{43}$/.test(values[0] as string)) return null;
      return hash(values[0] as string);
    },
    expire() {
      return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${flags}`;
    },
  };
}
