// Every verifier is throttled before its check: changePassword's current password,
// reauthenticate and verifySecondFactor, per account across 50 addresses and per address,
// one guess per request; throttling is in the audit trail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { raw } from "../helpers/http.js";
import { codeAt, enroll, REAUTH, VERIFY } from "../helpers/totp.js";
import { createUser, type NewUser } from "../helpers/users.js";

const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const PER_USER = 5;
const PER_ADDRESS = 10;
const PROXY = "10.0.0.2";

describe.each(BACKENDS)("every verifier throttled (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, {
      TRUST_PROXY: "1",
      LOGIN_MAX_FAILURES_PER_USER: String(PER_USER),
      LOGIN_MAX_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
    });
  });
  afterAll(() => app?.dispose());

  /** Sends `query` with `cookie` from client address `address` (behind the trusted proxy). */
  function from(address: string, cookie: string | null, query: string, variables: Record<string, unknown>) {
    const headers: Record<string, string> = { "x-forwarded-for": address };
    if (cookie) headers.cookie = `session=${cookie}`;
    return raw(app, { query, variables }, { address: PROXY, headers });
  }

  async function signIn(u: NewUser): Promise<TestClient> {
    const client = app.client();
    await client.login(u.username, u.password);
    return client;
  }

  /** 50 guesses from 50 addresses: the first PER_USER are checked, the rest refused unchecked. */
  async function spray(cookie: string | null, query: string, variables: (i: number) => Record<string, unknown>) {
    const seen: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await from(`198.51.100.${i + 1}`, cookie, query, variables(i));
      seen.push(codes(res)[0]);
      if (i === PER_USER) expect(res.body.errors?.[0].extensions?.retryAfter).toBeGreaterThan(0);
    }
    expect(seen.slice(0, PER_USER).every((c) => c === "INVALID_CREDENTIALS")).toBe(true);
    expect(seen.slice(PER_USER)).toEqual(Array(50 - PER_USER).fill("RATE_LIMITED"));
  }

  it("caps changePassword guesses per account across 50 addresses; the right password then waits too", async () => {
    const u = await createUser(app, "seamus", "STUDENT", "GRYFFINDOR");
    const stolen = (await signIn(u)).cookie;
    await spray(stolen, CHANGE, (i) => ({ c: `guess-number-${i}`, n: "a-new-passphrase-here" }));
    const right = await from("198.51.100.200", stolen, CHANGE, { c: u.password, n: "a-new-passphrase-here" });
    expect(codes(right)).toEqual(["RATE_LIMITED"]);
    expect(codes(await app.client().login(u.username, u.password))).toEqual(["RATE_LIMITED"]);
    app.clock.advance(15 * 60);
    expect(codes(await app.client().login(u.username, u.password))).toEqual([]); // unchanged
    const events = await app.db.prisma.securityEvent.findMany({ where: { userId: u.id, kind: "THROTTLED" } });
    expect(events.map((e) => e.detail)).toContain("change_password");
  });

  it("caps reauthenticate guesses per account across 50 addresses", async () => {
    const u = await createUser(app, "lavender", "STUDENT", "GRYFFINDOR");
    const stolen = (await signIn(u)).cookie;
    await spray(stolen, REAUTH, (i) => ({ p: `guess-number-${i}` }));
    expect(codes(await from("198.51.100.201", stolen, REAUTH, { p: u.password }))).toEqual(["RATE_LIMITED"]);
  });

  it("caps second-factor codes per account across 50 addresses; the right code then waits too", async () => {
    const u = await createUser(app, "parvati", "STUDENT", "GRYFFINDOR");
    const { secret } = await enroll(app, await signIn(u));
    const client = app.client();
    expect(codes(await client.login(u.username, u.password))).toEqual(["SECOND_FACTOR_REQUIRED"]);
    const good = codeAt(secret, app.clock.now);
    await spray(client.cookie, VERIFY, (i) => ({ c: String(100000 + i * 7919 + (good === "100000" ? 1 : 0)) }));
    const res = await from("198.51.100.202", client.cookie, VERIFY, { c: good });
    expect(codes(res)).toEqual(["RATE_LIMITED"]);
    expect(await app.db.prisma.session.count({ where: { userId: u.id } })).toBe(1); // the enrolling one only
    // The limit is this account's: another account's code is still checked.
    const other = await createUser(app, "padma", "STUDENT", "RAVENCLAW");
    const enrolled = await enroll(app, await signIn(other));
    const second = app.client();
    expect(codes(await second.login(other.username, other.password))).toEqual(["SECOND_FACTOR_REQUIRED"]);
    const passed = await from("198.51.100.203", second.cookie, VERIFY, { c: codeAt(enrolled.secret, app.clock.now) });
    expect(passed.body.errors).toBeUndefined();
  });

  it("caps one address across accounts and verifiers", async () => {
    const users = [
      await createUser(app, "oliver", "STUDENT", "GRYFFINDOR"),
      await createUser(app, "katie", "STUDENT", "GRYFFINDOR"),
      await createUser(app, "angelina", "STUDENT", "GRYFFINDOR"),
    ];
    const cookies = [];
    for (const u of users) cookies.push((await signIn(u)).cookie);
    const address = "203.0.113.50";
    // 4 + 4 + 2 guesses: each account stays under its own limit, the address reaches its own
    const plan = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
    const seen: unknown[] = [];
    for (const [i, who] of plan.entries()) {
      const res =
        i % 2 === 0
          ? await from(address, cookies[who], CHANGE, { c: `wrong-${i}`, n: "a-new-passphrase-here" })
          : await from(address, cookies[who], REAUTH, { p: `wrong-${i}` });
      seen.push(codes(res)[0]);
    }
    expect(seen).toEqual(Array(PER_ADDRESS).fill("INVALID_CREDENTIALS"));
    expect(codes(await from(address, cookies[2], REAUTH, { p: users[2].password }))).toEqual(["RATE_LIMITED"]);
    // another address is not held back by this one
    expect(codes(await from("203.0.113.51", cookies[2], REAUTH, { p: users[2].password }))).toEqual([]);
  });

  it("allows one verifier per request: aliases, fragments and mixes are refused before running", async () => {
    const u = await createUser(app, "cormac", "STUDENT", "GRYFFINDOR");
    const client = await signIn(u);
    const documents = [
      `mutation { a: changePassword(currentPassword: "x1", newPassword: "a-new-passphrase-here") b: changePassword(currentPassword: "x2", newPassword: "a-new-passphrase-here") }`,
      `mutation { ...F reauthenticate(password: "y") } fragment F on Mutation { reauthenticate(password: "x") }`,
      `mutation { login(username: "cormac", password: "x") { id } verifySecondFactor(code: "123456") { id } }`,
      `mutation { a: verifySecondFactor(code: "123456") { id } b: verifySecondFactor(code: "654321") { id } }`,
    ];
    for (const query of documents) {
      const res = await client.gql(query);
      expect(codes(res)).toContain("BAD_USER_INPUT");
      expect(res.body.data).toBeUndefined();
    }
    const batch = await raw(
      app,
      [
        { query: REAUTH, variables: { p: "a" } },
        { query: REAUTH, variables: { p: "b" } },
      ],
      {
        headers: { cookie: `session=${client.cookie}` },
      },
    );
    expect(batch.body.data ?? null).toBeNull();
    // none of them counted: the full allowance of guesses is still there
    for (let i = 0; i < PER_USER; i++) {
      expect(codes(await client.gql(REAUTH, { p: `wrong-${i}` }))).toEqual(["INVALID_CREDENTIALS"]);
    }
  });
});
