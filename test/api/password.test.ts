// Password checks: argon2 verdicts, and no sign-in without a stored hash whatever the password.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/auth/password.js";
import { codes, createTestApp, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

// The password the dummy hash is made from: the one guess that matches it.
const DUMMY = "dummy password for unknown users";

describe("verifyPassword", () => {
  it("accepts the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(await verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery!")).toBe(false);
  });

  // No stored hash can be reached over HTTP today (the column is NOT NULL and login also
  // checks that the user exists), so this guards the function's own promise directly.
  it("refuses every password, the dummy hash's own included, when there is no stored hash", async () => {
    expect(await verifyPassword(null, DUMMY)).toBe(false);
    expect(await verifyPassword(null, "anything else")).toBe(false);
  });

  it("refuses a malformed stored hash instead of throwing", async () => {
    expect(await verifyPassword("not-an-argon2-hash", DUMMY)).toBe(false);
  });
});

describe.each(BACKENDS)("login with the dummy password (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());

  it("refuses an unknown username with INVALID_CREDENTIALS and sets no cookie", async () => {
    const c = app.client();
    const res = await c.login("nobody-at-all", DUMMY);
    expect(codes(res)).toEqual(["INVALID_CREDENTIALS"]);
    expect(res.body.data?.login ?? null).toBeNull();
    expect(c.cookie).toBeNull();
    expect(await app.db.prisma.session.count()).toBe(0);
  });
});
