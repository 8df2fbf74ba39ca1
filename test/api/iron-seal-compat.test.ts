// Cookies sealed before the iron-session 9 upgrade (by 8.0.4) must keep opening after it.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createCookieCodec } from "../../src/session/cookie.js";
import { parseSecrets } from "../../src/session/secrets.js";
import { PRODUCTION } from "../helpers/production.js";

// Test-only secrets; the seals below were made with iron-session 8.0.4's sealData
// (`{ password, ttl: 0 }`), the first with the map {3, 4} (so sealed with id 4), the
// second with id 3 alone.
const SECRETS = "4:fixture-secret-for-iron-session-8-format-0002,3:fixture-secret-for-iron-session-8-format-0001";
const PAYLOAD = { v: 1, sid: "sess_fixture", uid: "user_fixture", iat: 1767225600, rat: 1767225600 };
const SEALED_BY_8_ID_4 =
  "Fe26.2*4*5e4b3985707259186e59cbba6b29479b5165a83365de4a756f8817e8ed002ebf*83RMtlC5L8ibd0_sTv2xoQ*rIadQG-ZV1yOp19gMWt_ZBZoZpNDbQwSWa8M5u50E0E1DeKvpDYJL6jdE3X0iNVw5SMOVXDn3dCIJF0Hz10xrb8NwI1yk7KSARY4nRvJeQpJfLzkPHG6cY8XFUcf6P2N**128c52d14754291ad37f1d743a94013b7aed3c5d9734099260edbf1efbb8d4ae*fj1S6ixx8l5djgVEL7NgeniFGzAnwcol_TOx4Sz00y4~2";
const SEALED_BY_8_ID_3 =
  "Fe26.2*3*d2056b4ac1c940489b455cd832d59637986538d79f1c439b896032dee5258ffc*IfksSiG5QrcB4i2ik9kYqw*z7ZEcofiqdMCsXX3eDliNizgHSxIe92LbbS8EuXkVNo6rWaTGbU1grpK5y6N_Jze6EjHxNhDVQbIhbmtkl1LxjWSKewGzoGbZtJGDTKV8HMJd5UEs-OuL_HsgRj_pxqM**1d2a2e3c499fac61eab855e2f2e756541bb57c9dcadbf07fd21624349b5cd1cc*gHC0ek_CjNed6GI08eZAafGzvw_BDKKkFWfZLM59hUQ~2";

function codec() {
  const config = loadConfig({
    ...PRODUCTION,
    SESSION_SECRET: SECRETS,
    DATABASE_URL: "postgresql://x@127.0.0.1/x",
  });
  return createCookieCodec(config.cookie, parseSecrets(SECRETS));
}

describe("session cookies across the iron-session upgrade", () => {
  it("opens cookies sealed by iron-session 8 with the current and an older secret id", async () => {
    const c = codec();
    expect(await c.unseal(SEALED_BY_8_ID_4)).toMatchObject(PAYLOAD);
    expect(await c.unseal(SEALED_BY_8_ID_3)).toMatchObject(PAYLOAD);
  });

  it("still refuses a tampered old cookie", async () => {
    const parts = SEALED_BY_8_ID_4.split("*");
    parts[4] = `${parts[4][0] === "A" ? "B" : "A"}${parts[4].slice(1)}`;
    expect(await codec().unseal(parts.join("*"))).toBeNull();
  });

  it("refuses a seal whose HMAC, secret id, salts, iv or data were changed", async () => {
    const c = codec();
    const change = (i: number) => {
      const parts = SEALED_BY_8_ID_3.split("~")[0].split("*");
      parts[i] = i === 1 ? "4" : `${parts[i][0] === "a" ? "b" : "a"}${parts[i].slice(1)}`;
      return parts.join("*");
    };
    for (const i of [1, 2, 3, 4, 6, 7]) expect(await c.unseal(change(i))).toBeNull();
    expect(await c.unseal(SEALED_BY_8_ID_3.replace("*gHC0", "*gHC0*x"))).toBeNull(); // a ninth part
  });

  it("refuses, without throwing, a seal whose secret id names a property every object has", async () => {
    const c = codec();
    for (const id of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const parts = SEALED_BY_8_ID_3.split("*");
      parts[1] = id;
      await expect(c.unseal(parts.join("*"))).resolves.toBeNull();
      await expect(c.unsealAny(parts.join("*"))).resolves.toBeNull();
    }
  });

  it("opens a seal whatever its `~` marker says, which the HMAC does not cover", async () => {
    const c = codec();
    expect(await c.unseal(SEALED_BY_8_ID_3.replace(/~2$/, ""))).toMatchObject(PAYLOAD);
    expect(await c.unsealAny(SEALED_BY_8_ID_4.replace(/~2$/, "~9"))).toMatchObject(PAYLOAD);
  });

  it("seals in the same Fe26.2 format, naming the highest secret id", async () => {
    const c = codec();
    const sealed = await c.seal(PAYLOAD as never, 60);
    expect(sealed.split("*").slice(0, 2)).toEqual(["Fe26.2", "4"]);
    expect(await c.unseal(sealed)).toMatchObject(PAYLOAD);
  });
});
