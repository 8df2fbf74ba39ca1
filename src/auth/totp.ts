// TOTP (RFC 6238): secrets, the otpauth:// URI and its QR code, and checking a code.
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";

/** SHA-1, 6 digits, 30 s: what every authenticator app accepts. */
const PERIOD = 30;
const DIGITS = 6;
/** Codes of the previous and the next step are accepted too, for clock drift. */
const WINDOW = 1;
export const TOTP_ISSUER = "Hogwarts GraphQL";

function totp(secret: string, label = "") {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** A new random 160-bit secret, base32 (the length RFC 4226 recommends for SHA-1). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app imports, labelled with the username. */
export function totpUri(secret: string, username: string): string {
  return totp(secret, username).toString();
}

/** The URI as an SVG QR code (error correction M: survives a slightly blurry camera). */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** Whether `code` looks like a TOTP code at all: six digits, spaces ignored. */
export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ""));
}

/**
 * The time step (`floor(seconds / 30)`) whose code `code` is, within one step of `now`
 * (seconds since the epoch), or null. The caller refuses steps already used.
 */
export function totpStep(secret: string, code: string, now: number): number | null {
  const token = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: now * 1000, window: WINDOW });
  return delta === null ? null : Math.floor(now / PERIOD) + delta;
}
