// What a new password must be, as a user changing theirs sees it: each refusal names the rule,
// and a refused change leaves the old password working.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { createUser, type NewUser } from "../helpers/users.js";

const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";

describe.each(BACKENDS)("password policy on changePassword (%s)", (backend) => {
  let app: TestApp;
  let user: NewUser;
  beforeAll(async () => {
    app = await createTestApp(backend);
    user = await createUser(app, "neville", "STUDENT", "GRYFFINDOR");
  });
  afterAll(() => app?.dispose());

  async function change(newPassword: string) {
    const c = app.client();
    expect((await c.login(user.username, user.password)).body.errors).toBeUndefined();
    return c.gql<{ changePassword: boolean }>(CHANGE, { c: user.password, n: newPassword });
  }

  const refused: [string, string, string][] = [
    ["seven characters", "abc-def", "newPassword must be 8 to 256 characters"],
    ["257 characters", "x".repeat(257), "newPassword must be 8 to 256 characters"],
    ["a common password", "password1", "newPassword is too common; choose another"],
    ["a common password in capitals", "PASSWORD1", "newPassword is too common; choose another"],
    ["the name of the service", "Hogwarts", "newPassword is too common; choose another"],
    ["a spell", "alohomora", "newPassword is too common; choose another"],
    ["a house", "Ravenclaw", "newPassword is too common; choose another"],
    ["the username inside it", "my-NEVILLE-toad-trevor", "newPassword must not contain the username"],
  ];

  it.each(refused)("refuses %s with BAD_USER_INPUT and keeps the old password", async (_case, password, message) => {
    const res = await change(password);
    expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors?.[0].message).toBe(message);
    expect(res.body.errors?.[0].extensions?.argument).toBe("newPassword");
    expect(res.body.data?.changePassword ?? null).toBeNull();
    // Nothing changed: the old password still signs in, the refused one does not.
    expect((await app.client().login(user.username, user.password)).body.errors).toBeUndefined();
    const attempt = app.client();
    expect(codes(await attempt.login(user.username, password))).toHaveLength(1);
    expect(attempt.cookie).toBeNull();
  });

  it("counts length in code points and accepts the bounds: 8 owls, and 256 characters", async () => {
    for (const password of ["🦉".repeat(8), `${"q".repeat(255)}z`]) {
      const res = await change(password);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({ changePassword: true });
      expect((await app.client().login(user.username, password)).body.errors).toBeUndefined();
      user = { ...user, password };
    }
    // Seven owls are 14 UTF-16 units but 7 characters: refused.
    const res = await change("🦉".repeat(7));
    expect(res.body.errors?.[0].message).toBe("newPassword must be 8 to 256 characters");
  });

  it("refuses a username of three or more letters inside the password, not a shorter one", async () => {
    const ron = await createUser(app, "ron", "STUDENT", "GRYFFINDOR");
    const al = await createUser(app, "al", "STUDENT", "HUFFLEPUFF");
    const attempt = async (u: NewUser, n: string) => {
      const c = app.client();
      expect((await c.login(u.username, u.password)).body.errors).toBeUndefined();
      return c.gql<{ changePassword: boolean }>(CHANGE, { c: u.password, n });
    };
    const refused = await attempt(ron, "scabbers-and-ron-forever");
    expect(refused.body.errors?.[0].message).toBe("newPassword must not contain the username");
    const accepted = await attempt(al, "always-al-the-wizard");
    expect(accepted.body.data).toEqual({ changePassword: true });
  });
});
