// WebAuthn ceremonies with @simplewebauthn/server: the options we ask for and the checks of each answer.

import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { Config } from "../config/index.js";
import type { PasskeyRow } from "../db/passkeys.js";
import { CHALLENGE_TTL } from "../session/challenge-cookie.js";

/** ES256 and RS256: what platform authenticators and security keys make, and what Windows Hello needs. */
export const ALGORITHMS = [-7, -257];
/** Largest WebAuthn JSON argument, in bytes of its JSON text. */
export const WEBAUTHN_JSON_MAX = 16 * 1024;

type RP = Config["webauthn"];

/** What every answer is checked against: our challenge, origins and RP id, the user verified. */
const expected = (rp: RP, challenge: string) => ({
  expectedChallenge: challenge,
  expectedOrigin: rp.origins,
  expectedRPID: rp.rpId,
  requireUserVerification: true,
});

/** Creation options for `user`, excluding the credentials they already have. */
export function registrationOptions(
  rp: RP,
  user: { id: string; username: string; displayName: string },
  existing: PasskeyRow[],
) {
  return generateRegistrationOptions({
    rpName: "Hogwarts",
    rpID: rp.rpId,
    userID: new TextEncoder().encode(user.id),
    userName: user.username,
    userDisplayName: user.displayName,
    timeout: CHALLENGE_TTL * 1000,
    // No attestation: we trust the user's choice of authenticator, and "none" asks no consent prompt.
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** Request options; with `keys`, only those credentials, else any discoverable one. */
export function assertionOptions(rp: RP, keys: PasskeyRow[]) {
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    timeout: CHALLENGE_TTL * 1000,
    userVerification: "required",
    allowCredentials: keys.map((p) => ({ id: p.credentialId, transports: p.transports })),
  });
}

/** A verified new credential, or null when the response does not check out. */
export async function checkRegistration(rp: RP, response: RegistrationResponseJSON, challenge: string) {
  try {
    const result = await verifyRegistrationResponse({
      response,
      ...expected(rp, challenge),
      supportedAlgorithmIDs: ALGORITHMS,
    });
    return result.verified ? result.registrationInfo.credential : null;
  } catch {
    return null; // malformed CBOR, wrong origin, wrong challenge: all one answer
  }
}

/**
 * The authenticator's new signature counter when the assertion is valid for `key` (right
 * challenge, origin, RP id, user verified, counter moved on when it keeps one), else null.
 */
export async function checkAssertion(
  rp: RP,
  response: AuthenticationResponseJSON,
  challenge: string,
  key: PasskeyRow,
): Promise<number | null> {
  // A discoverable credential names its user; it must be the one the key belongs to.
  const handle = response.response.userHandle;
  if (handle && handle !== Buffer.from(key.userId).toString("base64url")) return null;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      ...expected(rp, challenge),
      credential: {
        id: key.credentialId,
        publicKey: new Uint8Array(key.publicKey),
        counter: key.counter,
        transports: key.transports as never,
      },
    });
    return result.verified ? result.authenticationInfo.newCounter : null;
  } catch {
    return null; // includes a counter that did not move on: a cloned authenticator
  }
}
