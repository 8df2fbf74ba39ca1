// What sign-in, password and paging refusals tell the client (code, argument, message), and
// what a password change or reset leaves in the session and the audit trail.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/mail/tokens.js";
import { createTestApp, DEMO, type GraphQLResponse, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { codeAt, enroll } from "../helpers/totp.js";
import { createUser } from "../helpers/users.js";

const refusals = (res: GraphQLResponse) =>
  (res.body.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.argument, e.message]);
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const RESET = "mutation($t: String!, $p: String!, $c: String) { resetPassword(token: $t, newPassword: $p, code: $c) }";
const PAGE = "query($f: Int, $a: String) { students(house: GRYFFINDOR, first: $f, after: $a) { edges { cursor } } }";
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe.each(BACKENDS)("refusal messages (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  async function resetLink(userId: string): Promise<string> {
    const token = randomUUID().replaceAll("-", "").padEnd(43, "M");
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

  it("refuses an over-long password at login before checking it; 256 characters are checked", async () => {
    expect(refusals(await app.client().gql(LOGIN, { u: "harry", p: "x".repeat(257) }))).toEqual([
      ["BAD_USER_INPUT", "password", "password must be at most 256 characters"],
    ]);
    expect(refusals(await app.client().gql(LOGIN, { u: "harry", p: "x".repeat(256) }))).toEqual([
      ["INVALID_CREDENTIALS", undefined, "Invalid username or password."],
    ]);
  });

  it("names a weak new password, and a changed password is a fresh password sign-in", async () => {
    const user = await createUser(app, "katie", "STUDENT", "GRYFFINDOR");
    const client = app.client();
    await client.login(user.username, user.password);
    const change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    expect(refusals(await client.gql(change, { c: user.password, n: "short" }))).toEqual([
      ["BAD_USER_INPUT", "newPassword", "newPassword must be 8 to 256 characters"],
    ]);
    app.clock.advance(60);
    expect((await client.gql(change, { c: user.password, n: "a-new-and-long-password" })).body).toEqual({
      data: { changePassword: true },
    });
    const sessions = await client.gql<{
      mySessions: { current: boolean; methods: string[]; authenticatedAt: string }[];
    }>("{ mySessions { current methods authenticatedAt } }");
    expect(sessions.body.data?.mySessions).toEqual([
      { current: true, methods: ["pwd"], authenticatedAt: new Date(app.clock.now * 1000).toISOString() },
    ]);
  });

  it("names a malformed link and a missing code in a reset, and records how a reset was proved", async () => {
    expect(refusals(await app.client().gql(RESET, { t: "short", p: "a-new-and-long-password" }))).toEqual([
      ["BAD_USER_INPUT", "token", "token is malformed: copy the whole link"],
    ]);
    const user = await createUser(app, "angelina", "STUDENT", "GRYFFINDOR");
    const client = app.client();
    await client.login(user.username, user.password);
    const { secret } = await enroll(app, client);
    const token = await resetLink(user.id);
    expect(refusals(await app.client().gql(RESET, { t: token, p: "a-new-and-long-password" }))).toEqual([
      ["BAD_USER_INPUT", "code", "code is required: this account has a second factor"],
    ]);
    const wrong = codeAt(secret, app.clock.now + 600);
    expect(refusals(await app.client().gql(RESET, { t: token, p: "a-new-and-long-password", c: wrong }))).toEqual([
      ["INVALID_CREDENTIALS", undefined, "Invalid or already used code."],
    ]);
    const right = codeAt(secret, app.clock.now);
    const done = await app.client().gql(RESET, { t: token, p: "a-new-and-long-password", c: right });
    expect(done.body).toEqual({ data: { resetPassword: true } });
    const events = await app.db.prisma.securityEvent.findMany({
      where: { userId: user.id, kind: { in: ["PASSWORD_RESET", "PASSWORD_RESET_FAILED"] } },
      select: { kind: true, detail: true },
    });
    expect(events.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "PASSWORD_RESET", detail: "email+otp" },
      { kind: "PASSWORD_RESET_FAILED", detail: "otp" },
    ]);
    // Without a second factor the link alone proves it.
    const plain = await createUser(app, "alicia", "STUDENT", "GRYFFINDOR");
    await app.client().gql(RESET, { t: await resetLink(plain.id), p: "a-new-and-long-password" });
    const reset = await app.db.prisma.securityEvent.findMany({ where: { userId: plain.id }, select: { detail: true } });
    expect(reset).toEqual([{ detail: "email" }]);
  });

  it("names a page size out of range and a cursor this API did not give", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    for (const f of [-1, 101]) {
      expect(refusals(await harry.gql(PAGE, { f }))).toEqual([
        ["BAD_USER_INPUT", "first", "first must be from 0 to 100"],
      ]);
    }
    const id = randomUUID();
    for (const a of [
      "not-json",
      cursor(["Neville", id, "extra"]),
      cursor([7, id]),
      cursor([["Neville"], id]),
      cursor(["Neville", 7]),
      cursor(["Neville", "not-a-uuid"]),
      cursor(["Nev\0ille", id]),
      cursor({ 0: "Neville", 1: id, length: 2 }),
    ]) {
      expect(refusals(await harry.gql(PAGE, { f: 1, a }))).toEqual([
        ["BAD_USER_INPUT", "after", "after is not a cursor returned by this API"],
      ]);
    }
    // A cursor of the right shape is accepted even when no such row exists.
    expect((await harry.gql(PAGE, { f: 1, a: cursor(["Neville", id]) })).body.errors).toBeUndefined();
  });
});
