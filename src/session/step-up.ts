// Step-up policy: when a session counts as recently authenticated, and how a sign-in is named.

/** A pending sign-in (password right, second factor awaited) lasts at most this long, seconds. */
export const PENDING_SIGN_IN_TTL = 300;

/** What a session records of its last full authentication. */
export interface AuthState {
  authenticatedAt: Date;
  /** RFC 8176 `amr` values. */
  methods: string[];
  /** Whether the user has a second factor enrolled now. */
  secondFactor: boolean;
}

/** How the user proved who they are. */
export type Proof = "password" | "password+totp" | "password+recovery" | "passkey" | "password+passkey";

/**
 * RFC 8176 `amr` values for a proof: a recovery code is a one-time password too. A passkey
 * is a hardware-held key (`hwk`) unlocked by user verification (`user`: the server cannot
 * tell a PIN from a fingerprint), so it is multi-factor on its own.
 */
export function methodsFor(proof: Proof): string[] {
  switch (proof) {
    case "password":
      return ["pwd"];
    case "passkey":
      return ["hwk", "user", "mfa"];
    case "password+passkey":
      return ["pwd", "hwk", "user", "mfa"];
    default:
      return ["pwd", "otp", "mfa"];
  }
}

/**
 * Authenticated within `maxAge` seconds of `now`, and with the second factor when the user
 * has one (a session signed in before enrolling is not enough to change the factors).
 */
export function isRecent(state: AuthState, now: number, maxAge: number): boolean {
  if (now - Math.floor(state.authenticatedAt.getTime() / 1000) >= maxAge) return false;
  return !state.secondFactor || state.methods.includes("mfa");
}

/**
 * For a password change, whose current password is itself a fresh password check: a user
 * without a second factor needs nothing more; one with a factor needs it recently.
 */
export function secondFactorRecent(state: AuthState, now: number, maxAge: number): boolean {
  return !state.secondFactor || isRecent(state, now, maxAge);
}
