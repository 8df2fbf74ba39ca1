// Password hashing: argon2id with OWASP's parameters, run off the event loop.
import { hash, verify } from "@node-rs/argon2";

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. */
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes a password (about 50 ms of a libuv worker, not the event loop). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

let dummy: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no hash (unknown user) it checks against
 * a dummy hash so that the answer takes as long either way, and returns false.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  dummy ??= hashPassword("dummy password for unknown users");
  const target = stored ?? (await dummy);
  try {
    const ok = await verify(target, password);
    return ok && stored !== null;
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}
