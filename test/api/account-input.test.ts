// Bad input to the account's own settings: each refusal names its argument and changes nothing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/mail/tokens.js";
import { createTestApp, DEMO, type GraphQLResponse, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { createUser } from "../helpers/users.js";

const CHANGE_PASSWORD = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const CHANGE_EMAIL = "mutation($e: String!) { changeEmail(newEmail: $e) }";
const _VERIFY_EMAIL = "mutation($t: String!) { verifyEmail(token: $t) }";
const RESET = "mutation($t: String!, $p: String!, $c: String) { resetPassword(token: $t, newPassword: $p, code: $c) }";
const REAUTH = "mutation($p: String, $c: String) { reauthenticate(password: $p, code: $c) }";
const EVENTS = "query($n: Int) { me { security { recentEvents(first: $n) { kind } } } }";

/** Each error as [code, argument, message]. */
const refusals = (res: GraphQLResponse) =>
  (res.body.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.argument, e.message]);

describe.each(BACKENDS)("account settings input (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());

  it("refuses an over-long current password as bad input, before counting a guess or checking it", async () => {
    const user = await createUser(app, "ernie", "STUDENT", "HUFFLEPUFF");
    const client = app.client();
    await client.login(user.username, user.password);
    const res = await client.gql(CHANGE_PASSWORD, { c: "x".repeat(257), n: "a-new-and-long-password" });
    expect(refusals(res)).toEqual([
      ["BAD_USER_INPUT", "currentPassword", "currentPassword must be at most 256 characters"],
    ]);
    const events = () => app.db.prisma.securityEvent.findMany({ where: { userId: user.id }, select: { kind: true } });
    expect((await events()).map((e) => e.kind)).toEqual(["SIGN_IN"]);
    // 256 characters is a password that may exist: checked, and wrong.
    const longest = await client.gql(CHANGE_PASSWORD, { c: "x".repeat(256), n: "a-new-and-long-password" });
    expect(refusals(longest)).toEqual([["INVALID_CREDENTIALS", undefined, "Invalid username or password."]]);
    expect((await events()).map((e) => e.kind).sort()).toEqual(["PASSWORD_CHANGE_FAILED", "SIGN_IN"]);
  });

  it("refuses the address the account already has, in any case, and sends nothing", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    const before = await app.db.prisma.mailMessage.count();
    const res = await harry.gql(CHANGE_EMAIL, { e: "Harry@Hogwarts.TEST" });
    expect(refusals(res)).toEqual([["BAD_USER_INPUT", "newEmail", "that is already your address"]]);
    expect(await app.db.prisma.mailMessage.count()).toBe(before);
  });

  it("says an account without an address has none verified", async () => {
    const user = await createUser(app, "justin", "STUDENT", "HUFFLEPUFF");
    const client = app.client();
    await client.login(user.username, user.password);
    const res = await client.gql("{ me { email security { emailVerified } } }");
    expect(res.body).toEqual({ data: { me: { email: null, security: { emailVerified: false } } } });
  });

  it("lists 1 to 100 recent events and refuses any other count", async () => {
    const client = app.client();
    await client.login(DEMO.luna.username, DEMO.luna.password);
    for (const n of [1, 100]) expect((await client.gql(EVENTS, { n })).body.errors).toBeUndefined();
    for (const n of [0, -1, 101]) {
      const res = await client.gql(EVENTS, { n });
      expect(refusals(res)).toEqual([["BAD_USER_INPUT", "first", "first must be 1 to 100"]]);
    }
  });

  it("refuses an over-long new password in a reset before looking the link up", async () => {
    const token = "A".repeat(43);
    const long = await app.client().gql(RESET, { t: token, p: "x".repeat(257) });
    expect(refusals(long)).toEqual([["BAD_USER_INPUT", "newPassword", "newPassword must be at most 256 characters"]]);
    // 256 characters may be a password: the link is looked up, and is no link.
    const longest = await app.client().gql(RESET, { t: token, p: "x".repeat(256) });
    expect(refusals(longest).map(([code]) => code)).toEqual(["INVALID_CREDENTIALS"]);
  });

  it("answers false when asked to end a session with an id that is no session's", async () => {
    const client = app.client();
    await client.login(DEMO.luna.username, DEMO.luna.password);
    const me = await client.gql<{ me: { id: string } }>("{ me { id } }");
    const sessions = await app.db.prisma.session.count();
    const noSession = Buffer.from(`Session:${randomUUID()}`).toString("base64url");
    for (const id of [me.body.data?.me.id, "nonsense", noSession]) {
      const res = await client.gql("mutation($id: ID!) { revokeSession(id: $id) }", { id });
      expect(res.body).toEqual({ data: { revokeSession: false } });
    }
    expect(await app.db.prisma.session.count()).toBe(sessions);
    expect(await app.db.prisma.securityEvent.count({ where: { kind: "SESSION_REVOKED" } })).toBe(0);
    expect((await client.gql("{ me { username } }")).body.data).toEqual({ me: { username: "luna" } });
  });

  /** A reset link of `userId`'s, as the mail worker would have sent it. */
  async function resetLink(userId: string): Promise<string> {
    const token = randomUUID().replaceAll("-", "").padEnd(43, "R");
    await app.db.prisma.emailToken.create({
      data: {
        id: randomUUID(),
        userId,
        purpose: "RESET",
        tokenHash: hashToken(token),
        expiresAt: new Date((app.clock.now + 1800) * 1000),
      },
    });
    return token;
  }

  it("refuses a weak password, or a code, in a reset of an account without a second factor; the link still works", async () => {
    const user = await createUser(app, "susan", "STUDENT", "HUFFLEPUFF");
    const token = await resetLink(user.id);
    const weak = await app.client().gql(RESET, { t: token, p: "short" });
    expect(refusals(weak)).toEqual([["BAD_USER_INPUT", "newPassword", "newPassword must be 8 to 256 characters"]]);
    const withCode = await app.client().gql(RESET, { t: token, p: "a-new-and-long-password", c: "123456" });
    expect(refusals(withCode)).toEqual([
      ["BAD_USER_INPUT", "code", "this account has no second factor: leave out code"],
    ]);
    expect((await app.client().gql(RESET, { t: token, p: "a-new-and-long-password" })).body).toEqual({
      data: { resetPassword: true },
    });
  });

  it("refuses an over-long code in a reset before looking the link up", async () => {
    const token = "C".repeat(43);
    const long = await app.client().gql(RESET, { t: token, p: "a-new-and-long-password", c: "1".repeat(65) });
    expect(refusals(long)).toEqual([["BAD_USER_INPUT", "code", "code must be at most 64 characters"]]);
    const longest = await app.client().gql(RESET, { t: token, p: "a-new-and-long-password", c: "1".repeat(64) });
    expect(refusals(longest).map(([code]) => code)).toEqual(["INVALID_CREDENTIALS"]);
  });

  it("refuses an over-long password or code to reauthenticate, before checking either", async () => {
    const user = await createUser(app, "leanne", "STUDENT", "HUFFLEPUFF");
    const client = app.client();
    await client.login(user.username, user.password);
    expect(refusals(await client.gql(REAUTH, { p: "x".repeat(257) }))).toEqual([
      ["BAD_USER_INPUT", "password", "password must be at most 256 characters"],
    ]);
    expect(refusals(await client.gql(REAUTH, { p: user.password, c: "1".repeat(65) }))).toEqual([
      ["BAD_USER_INPUT", "code", "code must be at most 64 characters"],
    ]);
    // At the bounds the checks go on: no code is expected here, and the password is wrong.
    expect(refusals(await client.gql(REAUTH, { p: user.password, c: "1".repeat(64) }))).toEqual([
      ["BAD_USER_INPUT", "code", "this account has no second factor: leave out code"],
    ]);
    expect(refusals(await client.gql(REAUTH, { p: "x".repeat(256) }))).toEqual([
      ["INVALID_CREDENTIALS", undefined, "Invalid username or password."],
    ]);
  });
});
