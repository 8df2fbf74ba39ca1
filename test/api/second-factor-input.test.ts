// What each refusal of the second-factor and step-up mutations tells the client: its code, the
// argument it names and its message, in the order a client meets them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type GraphQLResponse, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { CONFIRM, codeAt, enroll, REAUTH, START, VERIFY } from "../helpers/totp.js";
import { createUser, type NewUser } from "../helpers/users.js";

const refusals = (res: GraphQLResponse) =>
  (res.body.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.argument, e.message]);
const bad = (argument: string | undefined, message: string) => [["BAD_USER_INPUT", argument, message]];
const EVENT = "{ me { security { recentEvents(first: 1) { kind detail } } } }";

describe.each(BACKENDS)("second-factor input (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  async function signIn(user: NewUser): Promise<TestClient> {
    const client = app.client();
    expect((await client.login(user.username, user.password)).body.errors).toBeUndefined();
    return client;
  }

  it("names what is wrong with TOTP management without TOTP", async () => {
    const client = await signIn(await createUser(app, "dean", "STUDENT", "GRYFFINDOR"));
    expect(refusals(await client.gql(CONFIRM, { c: "123456" }))).toEqual(
      bad(undefined, "no TOTP enrollment started: call startTotpEnrollment first"),
    );
    expect(refusals(await client.gql("mutation { disableTotp }"))).toEqual(bad(undefined, "TOTP is not enabled"));
    expect(refusals(await client.gql("mutation { regenerateRecoveryCodes }"))).toEqual(
      bad(undefined, "TOTP is not enabled: recovery codes come with it"),
    );
    expect(refusals(await client.gql(REAUTH, {}))).toEqual(bad("password", "password is required"));
  });

  it("names what is wrong with TOTP management with TOTP on, and still turns it off", async () => {
    const user = await createUser(app, "seamus", "STUDENT", "GRYFFINDOR");
    const client = await signIn(user);
    const { secret } = await enroll(app, client);
    expect(refusals(await client.gql(START))).toEqual(
      bad(undefined, "TOTP is already enabled; disable it first to enroll another authenticator"),
    );
    expect(refusals(await client.gql(CONFIRM, { c: codeAt(secret, app.clock.now) }))).toEqual(
      bad(undefined, "TOTP is already enabled"),
    );
    expect(refusals(await client.gql(CONFIRM, { c: "1".repeat(65) }))).toEqual(
      bad("code", "code must be at most 64 characters"),
    );
    // A re-authentication of this account needs the code with the password.
    expect(refusals(await client.gql(REAUTH, { p: user.password }))).toEqual(
      bad("code", "this account has a second factor: send code with the password, or a passkey alone"),
    );
    expect(refusals(await client.gql(REAUTH, { p: "not-the-password", c: "123456" }))).toEqual([
      ["INVALID_CREDENTIALS", undefined, "Invalid username or password."],
    ]);
    expect((await client.gql(EVENT)).body.data).toEqual({
      me: { security: { recentEvents: [{ kind: "REAUTHENTICATION_FAILED", detail: "pwd" }] } },
    });
    const wrong = codeAt(secret, app.clock.now + 600);
    expect(refusals(await client.gql(REAUTH, { p: user.password, c: wrong }))).toEqual([
      ["INVALID_CREDENTIALS", undefined, "Invalid or already used code."],
    ]);
    expect((await client.gql(EVENT)).body.data).toEqual({
      me: { security: { recentEvents: [{ kind: "REAUTHENTICATION_FAILED", detail: "otp" }] } },
    });
    expect((await client.gql("mutation { disableTotp }")).body).toEqual({ data: { disableTotp: true } });
  });

  it("names what is wrong with the second step of a sign-in, and marks the session multi-factor", async () => {
    const user = await createUser(app, "oliver", "STUDENT", "GRYFFINDOR");
    const { secret } = await enroll(app, await signIn(user));
    const pending = app.client();
    await pending.login(user.username, user.password);
    const verify = "mutation($c: String, $k: JSON) { verifySecondFactor(code: $c, passkey: $k) { username } }";
    expect(refusals(await pending.gql(verify, {}))).toEqual(bad("code", "code or passkey is required"));
    expect(refusals(await pending.gql(verify, { c: "123456", k: {} }))).toEqual(
      bad("code", "send either code or passkey, not both"),
    );
    expect(refusals(await pending.gql(VERIFY, { c: "1".repeat(65) }))).toEqual(
      bad("code", "code must be at most 64 characters"),
    );
    // 64 characters may be a recovery code: checked, and wrong.
    expect(refusals(await pending.gql(VERIFY, { c: "1".repeat(64) }))).toEqual([
      ["INVALID_CREDENTIALS", undefined, "Invalid or already used code."],
    ]);
    expect((await pending.gql(VERIFY, { c: codeAt(secret, app.clock.now) })).body.errors).toBeUndefined();
    // The new session counts the factor: a step-up with the password alone is not enough.
    expect(refusals(await pending.gql(REAUTH, { p: user.password }))).toEqual(
      bad("code", "this account has a second factor: send code with the password, or a passkey alone"),
    );
  });

  it("lets a password sign-in start an enrollment in the same request: the account has no factor yet", async () => {
    const user = await createUser(app, "colin", "STUDENT", "GRYFFINDOR");
    const res = await app
      .client()
      .gql(
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } startTotpEnrollment { uri } }",
        { u: user.username, p: user.password },
      );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      login: { username: "colin" },
      startTotpEnrollment: { uri: expect.any(String) },
    });
  });
});
