// Recent authentication: REAUTH_MAX_AGE on the fake clock, reauthenticate, and the schema's
// list of fields that need it (a new security-relevant mutation must be classified).
import { isObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.js";
import { codes, createTestApp, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { codeAt, enroll, REAUTH, START } from "../helpers/totp.js";
import { createUser, type NewUser } from "../helpers/users.js";

const SESSIONS = "{ mySessions { id current methods authenticatedAt } }";
const REVOKE = "mutation($id: ID!) { revokeSession(id: $id) }";
const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const MAX_AGE = 600;

interface SessionView {
  id: string;
  current: boolean;
  methods: string[];
  authenticatedAt: string;
}

describe.each(BACKENDS)("recent authentication (%s)", (backend) => {
  let app: TestApp;
  let user: NewUser;
  beforeAll(async () => {
    app = await createTestApp(backend, { REAUTH_MAX_AGE: String(MAX_AGE) });
    user = await createUser(app, "dean", "STUDENT", "GRYFFINDOR");
  });
  afterAll(() => app?.dispose());

  async function signIn(agent = "vitest"): Promise<TestClient> {
    const client = app.client(agent);
    expect(codes(await client.login(user.username, user.password))).toEqual([]);
    return client;
  }

  async function sessions(client: TestClient): Promise<SessionView[]> {
    return (await client.gql<{ mySessions: SessionView[] }>(SESSIONS)).body.data?.mySessions ?? [];
  }

  it("needs a sign-in within REAUTH_MAX_AGE to end other sessions; reauthenticate renews it under a new id", async () => {
    const laptop = await signIn("laptop");
    const phone = await signIn("phone");
    const phoneId = (await sessions(phone)).find((s) => s.current)?.id as string;
    app.clock.advance(MAX_AGE - 1);
    // still recent: one second before the limit
    const tablet = await signIn("tablet");
    const tabletId = (await sessions(tablet)).find((s) => s.current)?.id as string;
    expect((await laptop.gql(REVOKE, { id: tabletId })).body.data).toEqual({ revokeSession: true });
    app.clock.advance(1);
    const refused = await laptop.gql(REVOKE, { id: phoneId });
    expect(codes(refused)).toEqual(["REAUTHENTICATION_REQUIRED"]);
    expect(refused.body.data).toBeNull();
    expect(codes(await laptop.gql("mutation { logoutEverywhere }"))).toEqual(["REAUTHENTICATION_REQUIRED"]);
    expect((await sessions(phone)).length).toBe(2); // nothing ended

    // a wrong password changes nothing; the right one renews under a new id, same entry
    const oldCookie = laptop.cookie;
    expect(codes(await laptop.gql(REAUTH, { p: "not-the-password" }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(laptop.cookie).toBe(oldCookie);
    expect(codes(await laptop.gql(REAUTH, {}))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await laptop.gql(REAUTH, { p: user.password, c: "123456" }))).toEqual(["BAD_USER_INPUT"]);
    expect((await laptop.gql(REAUTH, { p: user.password })).body).toEqual({ data: { reauthenticate: true } });
    expect(laptop.cookie).not.toBe(oldCookie);
    const list = await sessions(laptop);
    expect(list).toHaveLength(2);
    const current = list.find((s) => s.current);
    expect(current?.methods).toEqual(["pwd"]);
    expect(Date.parse(current?.authenticatedAt as string)).toBe(app.clock.now * 1000);
    const stale = app.client();
    stale.cookie = oldCookie;
    expect((await stale.gql("{ me { username } }")).body.data).toEqual({ me: null });

    expect((await laptop.gql(REVOKE, { id: phoneId })).body.data).toEqual({ revokeSession: true });
    expect((await phone.gql("{ me { username } }")).body.data).toEqual({ me: null });
  });

  it("always lets a session sign itself out", async () => {
    const client = await signIn();
    const id = (await sessions(client)).find((s) => s.current)?.id as string;
    app.clock.advance(MAX_AGE * 2);
    expect((await client.gql(REVOKE, { id })).body.data).toEqual({ revokeSession: true });
    expect(client.cookie).toBeNull();
  });

  it("with TOTP: recent means with the factor; changePassword then needs it too", async () => {
    const before = await signIn("before-enrollment"); // a password-only session
    const client = await signIn("enrolling");
    const { secret } = await enroll(app, client);
    expect(codes(await before.gql("mutation { disableTotp }"))).toEqual(["REAUTHENTICATION_REQUIRED"]);
    expect(codes(await before.gql(CHANGE, { c: user.password, n: "a-fresh-passphrase-here" }))).toEqual([
      "REAUTHENTICATION_REQUIRED",
    ]);
    // a password alone does not re-authenticate an account with a second factor
    expect(codes(await before.gql(REAUTH, { p: user.password }))).toEqual(["BAD_USER_INPUT"]);
    const wrong = codeAt(secret, app.clock.now + 600);
    expect(codes(await before.gql(REAUTH, { p: user.password, c: wrong }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await before.gql(REAUTH, { p: user.password, c: codeAt(secret, app.clock.now) }))).toEqual([]);
    expect((await sessions(before)).find((s) => s.current)?.methods).toEqual(["pwd", "otp", "mfa"]);
    // the same code cannot re-authenticate twice
    expect(codes(await client.gql(REAUTH, { p: user.password, c: codeAt(secret, app.clock.now) }))).toEqual([
      "INVALID_CREDENTIALS",
    ]);
    app.clock.advance(MAX_AGE);
    expect(codes(await before.gql(START))).toEqual(["REAUTHENTICATION_REQUIRED"]);
    expect(codes(await before.gql(REAUTH, { p: user.password, c: codeAt(secret, app.clock.now) }))).toEqual([]);
    const changed = await before.gql(CHANGE, { c: user.password, n: "a-fresh-passphrase-here" });
    expect(changed.body).toEqual({ data: { changePassword: true } });
    user.password = "a-fresh-passphrase-here";
  });

  it("answers an anonymous caller UNAUTHENTICATED, not REAUTHENTICATION_REQUIRED", async () => {
    expect(codes(await app.client().gql("mutation { disableTotp }"))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await app.client().gql(REAUTH, { p: "x" }))).toEqual(["UNAUTHENTICATED"]);
  });
});

interface PothosOptions {
  authScopes?: unknown;
}

/** Mutations that change how someone signs in or end sessions: they must declare recentAuth. */
const RECENT_AUTH = [
  "startTotpEnrollment",
  "disableTotp",
  "regenerateRecoveryCodes",
  "logoutEverywhere",
  // the contract's later ones, checked as soon as they exist
  "passkeyRegistrationOptions",
  "registerPasskey",
  "removePasskey",
  "changeEmail",
];
/** Mutations that need recent authentication only in part, through a rule that says so. */
const PARTLY = {
  revokeSession: "ending another session",
  changePassword: "recentSecondFactor: the current password is itself checked",
};
/** Mutations that are not a sensitive change to how anyone signs in, and why. */
const NOT_STEP_UP = {
  login: "a verifier (throttled)",
  logout: "ends the caller's own session",
  verifySecondFactor: "a verifier (throttled), completes a pending sign-in",
  reauthenticate: "the step-up itself (throttled)",
  confirmTotpEnrollment: "needs an enrollment that startTotpEnrollment (recentAuth) began, and a code from it",
  awardPoints: "not an account change",
  passkeyLoginOptions: "public",
  loginWithPasskey: "a verifier",
  requestPasswordReset: "public",
  resetPassword: "a verifier",
  verifyEmail: "a verifier",
};

describe("fields that need recent authentication", () => {
  const mutation = schema.getMutationType();
  const fields = mutation?.getFields() ?? {};
  const scopesOf = (name: string) => (fields[name]?.extensions.pothosOptions as PothosOptions | undefined)?.authScopes;

  it("classifies every mutation, so a new one cannot forget to", () => {
    const known = new Set([...RECENT_AUTH, ...Object.keys(PARTLY), ...Object.keys(NOT_STEP_UP)]);
    expect(Object.keys(fields).filter((name) => !known.has(name))).toEqual([]);
  });

  it("declares recentAuth on each listed mutation that exists", () => {
    expect(isObjectType(mutation)).toBe(true);
    for (const name of RECENT_AUTH.filter((n) => fields[n])) {
      expect(scopesOf(name), name).toEqual({ recentAuth: true });
    }
    for (const name of Object.keys(NOT_STEP_UP).filter((n) => fields[n])) {
      expect(JSON.stringify(scopesOf(name)), name).not.toContain("recentAuth");
    }
  });

  it("asks recentAuth for revoking another session and recentSecondFactor for changePassword", async () => {
    expect(scopesOf("changePassword")).toEqual({ recentSecondFactor: true });
    const rule = scopesOf("revokeSession") as (root: unknown, args: unknown, ctx: unknown) => Promise<unknown>;
    const ctx = { session: { getSessionId: async () => "0b7e2a52-2f0d-4c56-9d0c-2f1f3f9a1c11" } };
    const id = (uuid: string) => Buffer.from(`Session:${uuid}`).toString("base64url");
    expect(await rule({}, { id: id("0b7e2a52-2f0d-4c56-9d0c-2f1f3f9a1c11") }, ctx)).toEqual({ signedIn: true });
    expect(await rule({}, { id: id("6f1d8a44-0000-4000-8000-000000000000") }, ctx)).toEqual({ recentAuth: true });
    expect(await rule({}, { id: "garbage" }, ctx)).toEqual({ recentAuth: true });
  });
});
