// The tokens in emailed links: 256 random bits, shown once, stored only as SHA-256.
import { createHash, randomBytes } from "node:crypto";

/** 32 bytes in base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh token and the hash to store. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

/** The stored form of `token`. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Whether `token` could be one of ours at all (else it is malformed input, not a wrong token). */
export function isTokenShape(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
