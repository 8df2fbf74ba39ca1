// TOTP for tests: enrolls a signed-in client and computes codes from the secret it was given.
import { Secret, TOTP } from "otpauth";
import { expect } from "vitest";
import type { TestApp, TestClient } from "./app.js";

export const START = "mutation { startTotpEnrollment { secret uri qrSvg } }";
export const CONFIRM = "mutation($c: String!) { confirmTotpEnrollment(code: $c) }";
export const VERIFY = "mutation($c: String) { verifySecondFactor(code: $c) { username } }";
export const REAUTH = "mutation($p: String, $c: String) { reauthenticate(password: $p, code: $c) }";
export const SECURITY = "{ me { security { totpEnabled recoveryCodesLeft emailVerified passkeys { id } } } }";

/** The code an authenticator app shows at `seconds` (epoch seconds) for `secret`. */
export function codeAt(secret: string, seconds: number): string {
  const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  return totp.generate({ timestamp: seconds * 1000 });
}

/** Turns TOTP on for a signed-in client; returns the secret and the recovery codes. */
export async function enroll(app: TestApp, client: TestClient): Promise<{ secret: string; codes: string[] }> {
  const started = await client.gql<{ startTotpEnrollment: { secret: string } }>(START);
  expect(started.body.errors).toBeUndefined();
  const secret = started.body.data?.startTotpEnrollment.secret as string;
  const confirmed = await client.gql<{ confirmTotpEnrollment: string[] }>(CONFIRM, {
    c: codeAt(secret, app.clock.now),
  });
  expect(confirmed.body.errors).toBeUndefined();
  // The code used to confirm is spent: step past it so the next code is a fresh one.
  app.clock.advance(30);
  return { secret, codes: confirmed.body.data?.confirmTotpEnrollment as string[] };
}
