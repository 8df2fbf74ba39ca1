// A session ended elsewhere (revoked from another device, or `sessions:end`) while one of its
// requests is checking a password (argon2 takes tens of milliseconds): the request must not
// report a change it did not make.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { createUser, type NewUser } from "../helpers/users.js";

const SESSIONS = "{ mySessions { id current } }";
const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const REAUTH = "mutation($p: String!) { reauthenticate(password: $p) }";

describe.each(BACKENDS)("a session ended while its request checks a password (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());

  async function signIn(user: NewUser): Promise<TestClient> {
    const c = app.client();
    expect((await c.login(user.username, user.password)).body.errors).toBeUndefined();
    return c;
  }

  /**
   * Sends `request` from `victim` and, once it has read the stored password hash (so it is
   * past its auth checks and inside argon2), ends the victim's session row, as a revocation
   * from another device does.
   */
  async function endDuring<T>(victim: TestClient, request: () => Promise<T>): Promise<T> {
    const sessions = (await victim.gql<{ mySessions: { id: string; current: boolean }[] }>(SESSIONS)).body.data;
    const globalId = sessions?.mySessions.find((s) => s.current)?.id ?? "";
    const id = Buffer.from(globalId, "base64")
      .toString()
      .replace(/^Session:/, "");
    app.queries.length = 0;
    const pending = request();
    const end = Date.now() + 5000;
    while (!app.queries.some((sql) => /"passwordHash"/.test(sql) && !/"username"/.test(sql))) {
      if (Date.now() > end) throw new Error("the request never read the password hash");
      await new Promise((r) => setTimeout(r, 1));
    }
    expect((await app.db.prisma.session.deleteMany({ where: { id } })).count).toBe(1);
    return pending;
  }

  it("changePassword answers UNAUTHENTICATED and changes nothing", async () => {
    const user = await createUser(app, "seamus", "STUDENT", "GRYFFINDOR");
    const [victim, other] = [await signIn(user), await signIn(user)];
    const res = await endDuring(victim, () => victim.gql(CHANGE, { c: user.password, n: "a-brand-new-password-42" }));
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.body.data).toBeNull();
    // The old password still works, the new one does not, and the other device is still in.
    expect((await app.client().login(user.username, user.password)).body.errors).toBeUndefined();
    expect(codes(await app.client().login(user.username, "a-brand-new-password-42"))).toEqual(["INVALID_CREDENTIALS"]);
    expect((await other.gql<{ mySessions: unknown[] }>(SESSIONS)).body.data?.mySessions.length).toBeGreaterThan(0);
  });

  it("reauthenticate answers UNAUTHENTICATED and issues no cookie", async () => {
    const user = await createUser(app, "dean", "STUDENT", "GRYFFINDOR");
    const victim = await signIn(user);
    const before = victim.cookie;
    const res = await endDuring(victim, () => victim.gql(REAUTH, { p: user.password }));
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(victim.lastSetCookie.some((line) => !/Max-Age=0/.test(line))).toBe(false);
    expect(victim.cookie === before || victim.cookie === null).toBe(true);
    expect((await victim.gql<{ mySessions: unknown }>(SESSIONS)).body.data).toBeNull();
  });
});
