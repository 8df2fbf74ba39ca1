// Recovery codes as people type them: case, spaces and dashes don't matter, and the letters
// easily misread for digits (I, L, O) are read as the digits; anything else is no code at all.
import { describe, expect, it } from "vitest";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "../../src/auth/recovery-codes.js";

const CANONICAL = "7KD21XM90BC0Q1R2S3T4V5W6";

describe("recovery codes", () => {
  it("are 10 fresh codes of 4 dash-separated groups of 6 from Crockford's alphabet", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{6}-){3}[0-9A-HJKMNP-TV-Z]{6}$/);
    expect(new Set(codes).size).toBe(10);
    expect(normalizeRecoveryCode(codes[0])).toBe(codes[0].replaceAll("-", ""));
  });

  it("reads a code however it is typed", () => {
    for (const typed of [
      CANONICAL,
      "7kd21x-m90bc0-q1r2s3-t4v5w6",
      " 7KD2 1XM9 0BC0 Q1R2 S3T4 V5W6 ",
      "7KD2IXM9OBCOQLR2S3T4V5W6", // I and L for 1, O for 0
      "7kd2ixm9obcoqlr2s3t4v5w6",
    ]) {
      expect(normalizeRecoveryCode(typed), typed).toBe(CANONICAL);
    }
  });

  it("is no code when too short or long, or holding a letter outside the alphabet", () => {
    for (const typed of [
      CANONICAL.slice(1),
      `${CANONICAL}0`,
      `U${CANONICAL.slice(1)}`, // U is not in Crockford's alphabet
      `!${CANONICAL.slice(1)}`,
      "",
    ]) {
      expect(normalizeRecoveryCode(typed), typed).toBeNull();
    }
  });

  it("stores the SHA-256 of the canonical form, so every way of typing it hashes alike", () => {
    expect(hashRecoveryCode(CANONICAL)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(normalizeRecoveryCode("7kd2ixm9obcoqlr2s3t4v5w6") as string)).toBe(
      hashRecoveryCode(CANONICAL),
    );
  });
});
