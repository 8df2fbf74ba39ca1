// Second-factor steps sent twice at once, a recovery code at re-authentication, and a reset from
// inside the account's own session.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/mail/tokens.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { cookieJarClient } from "../helpers/cookie-jar.js";
import { BACKENDS } from "../helpers/database.js";
import { SoftAuthenticator } from "../helpers/passkey.js";
import { CONFIRM, codeAt, enroll, REAUTH, START, VERIFY } from "../helpers/totp.js";
import { createUser } from "../helpers/users.js";

const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const EVENTS = "{ me { security { recentEvents(first: 3) { kind detail } } } }";
const NO_PENDING = "No sign-in is waiting for a second factor (or it expired): call login first.";

describe.each(BACKENDS)("second-factor races (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  it("confirms an enrollment sent twice at once only once", async () => {
    const user = await createUser(app, "romilda", "STUDENT", "GRYFFINDOR");
    const client = app.client();
    await client.login(user.username, user.password);
    const started = await client.gql<{ startTotpEnrollment: { secret: string } }>(START);
    const code = codeAt(started.body.data?.startTotpEnrollment.secret as string, app.clock.now);
    const both = await Promise.all([client.gql(CONFIRM, { c: code }), client.gql(CONFIRM, { c: code })]);
    const answers = both.map((r) => r.body.errors?.[0]?.message ?? "confirmed").sort();
    expect(answers).toEqual(["confirmed", "no TOTP enrollment started: call startTotpEnrollment first"]);
    expect(await app.db.prisma.recoveryCode.count({ where: { userId: user.id } })).toBe(10);
  });

  it("finishes a pending sign-in completed twice at once only once", async () => {
    const user = await createUser(app, "cormac", "STUDENT", "GRYFFINDOR");
    const first = cookieJarClient(app);
    await first(LOGIN, { u: user.username, p: user.password });
    const started = await first(START);
    const secret = (started.data?.startTotpEnrollment as { secret?: string } | undefined)?.secret as string;
    expect((await first(CONFIRM, { c: codeAt(secret, app.clock.now) })).errors).toBeUndefined();
    app.clock.advance(30);
    const authenticator = new SoftAuthenticator();
    const creation = (await first("mutation { passkeyRegistrationOptions }")).data?.passkeyRegistrationOptions;
    const registered = await first("mutation($r: JSON!) { registerPasskey(response: $r) { id } }", {
      r: authenticator.create(creation as never),
    });
    expect(registered.errors).toBeUndefined();

    const pending = cookieJarClient(app);
    expect((await pending(LOGIN, { u: user.username, p: user.password })).errors?.[0]?.extensions?.code).toBe(
      "SECOND_FACTOR_REQUIRED",
    );
    const request = (await pending("mutation { passkeyLoginOptions }")).data?.passkeyLoginOptions;
    const twin = cookieJarClient(app);
    for (const [name, value] of pending.jar) twin.jar.set(name, value);
    const sessionsBefore = await app.db.prisma.session.count({ where: { userId: user.id } });
    const both = await Promise.all([
      pending("mutation($k: JSON) { verifySecondFactor(passkey: $k) { username } }", {
        k: authenticator.get(request as never),
      }),
      twin(VERIFY, { c: codeAt(secret, app.clock.now) }),
    ]);
    // Which one gets in first depends on scheduling (on PGlite the code usually does); exactly
    // one does, and the other finds the sign-in used.
    const outcomes = both.map((r) => r.errors?.[0]?.message ?? "signed in");
    expect([...outcomes].sort()).toEqual([NO_PENDING, "signed in"].sort());
    expect(await app.db.prisma.session.count({ where: { userId: user.id } })).toBe(sessionsBefore + 1);
    // The refused one is signed out of its pending sign-in.
    const loser = outcomes[0] === NO_PENDING ? pending : twin;
    expect(loser.jar.has("session")).toBe(false);
  });

  it("records a recovery code used to re-authenticate", async () => {
    const user = await createUser(app, "lavender", "STUDENT", "GRYFFINDOR");
    const client = app.client();
    await client.login(user.username, user.password);
    const { codes: recovery } = await enroll(app, client);
    expect((await client.gql(REAUTH, { p: user.password, c: recovery[0] })).body).toEqual({
      data: { reauthenticate: true },
    });
    const events = await client.gql(EVENTS);
    expect(events.body.data).toEqual({
      me: {
        security: {
          recentEvents: [
            { kind: "REAUTHENTICATED", detail: "pwd+otp+mfa" },
            { kind: "RECOVERY_CODE_USED", detail: "reauthenticate" },
            { kind: "TOTP_ENABLED", detail: null },
          ],
        },
      },
    });
  });

  it("signs the caller out in the reset's own answer when the reset is of their account", async () => {
    const user = await createUser(app, "parvati", "STUDENT", "GRYFFINDOR");
    const client = app.client();
    await client.login(user.username, user.password);
    const token = randomUUID().replaceAll("-", "").padEnd(43, "P");
    await app.db.prisma.emailToken.create({
      data: {
        id: randomUUID(),
        userId: user.id,
        purpose: "RESET",
        tokenHash: hashToken(token),
        expiresAt: new Date((app.clock.now + 1800) * 1000),
      },
    });
    const res = await client.gql("mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }", {
      t: token,
      p: "a-new-and-long-password",
    });
    expect(res.body).toEqual({ data: { resetPassword: true } });
    expect(client.lastSetCookie.some((line) => line.startsWith("session=") && /Max-Age=0/i.test(line))).toBe(true);
    expect(client.cookie).toBeNull();
  });
});
