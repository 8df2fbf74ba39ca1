// TOTP secrets at rest: AES-256-GCM under a key derived from the SESSION_SECRET keyring, so that
// rotating the secret keeps old values readable and seals new ones under the new id.
import { describe, expect, it } from "vitest";
import { createSecretBox } from "../../src/auth/secret-box.js";
import { parseSecrets } from "../../src/session/secrets.js";

const OLD = "1:an-old-session-secret-of-enough-length-000";
const NEW = "2:a-new-session-secret-of-enough-length-1111";

describe("secret box", () => {
  it("opens after rotation and seals new values under the highest id", () => {
    const before = createSecretBox(parseSecrets(OLD), "totp-secret");
    const sealed = before.seal("JBSWY3DPEHPK3PXP", "user-1");
    expect(sealed.startsWith("v1.1.")).toBe(true);
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    const after = createSecretBox(parseSecrets(`${NEW},${OLD}`), "totp-secret");
    expect(after.open(sealed, "user-1")).toBe("JBSWY3DPEHPK3PXP");
    expect(after.seal("JBSWY3DPEHPK3PXP", "user-1").startsWith("v1.2.")).toBe(true);
    // once the old id is dropped, its values no longer open
    expect(() => createSecretBox(parseSecrets(NEW), "totp-secret").open(sealed, "user-1")).toThrow();
  });

  it("refuses a value moved to another user, tampered, or sealed under another label", () => {
    const box = createSecretBox(parseSecrets(OLD), "totp-secret");
    const sealed = box.seal("JBSWY3DPEHPK3PXP", "user-1");
    expect(() => box.open(sealed, "user-2")).toThrow();
    const parts = sealed.split(".");
    parts[3] = `${parts[3].slice(0, -2)}${parts[3].endsWith("AA") ? "AB" : "AA"}`;
    expect(() => box.open(parts.join("."), "user-1")).toThrow();
    expect(() => createSecretBox(parseSecrets(OLD), "other-label").open(sealed, "user-1")).toThrow();
    expect(() => box.open("not-a-sealed-value", "user-1")).toThrow(
      /^sealed value is malformed or its key is no longer configured$/,
    );
    // a fresh IV each time: the same secret never seals to the same value
    expect(box.seal("JBSWY3DPEHPK3PXP", "user-1")).not.toBe(sealed);
  });

  it("cannot be made without a key: an empty keyring is a programming error, named", () => {
    expect(() => createSecretBox({}, "totp-secret")).toThrow(/^secret box needs at least one secret$/);
  });
});
