// TOTP and recovery codes end to end: enrollment, the pending sign-in, replay, drift, expiry,
// recovery codes, disabling, and the audit trail, through real cookies on a fake clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { CONFIRM, codeAt, enroll, SECURITY, START, VERIFY } from "../helpers/totp.js";
import { createUser, type NewUser } from "../helpers/users.js";

const SESSIONS = "{ mySessions { id current methods authenticatedAt } }";
const EVENTS = "{ me { security { recentEvents(first: 50) { kind detail address userAgent at } } } }";

describe.each(BACKENDS)("second factor (%s)", (backend) => {
  let app: TestApp;
  let user: NewUser;
  let secret: string;
  let recovery: string[];

  beforeAll(async () => {
    app = await createTestApp(backend);
    user = await createUser(app, "neville", "STUDENT", "GRYFFINDOR");
  });
  afterAll(() => app?.dispose());

  async function signedIn(): Promise<TestClient> {
    const client = app.client("authenticator-test");
    expect(codes(await client.login(user.username, user.password))).toEqual([]);
    return client;
  }

  /** A client holding a pending sign-in: the password was right, the code is awaited. */
  async function pending(): Promise<TestClient> {
    const client = app.client("authenticator-test");
    const res = await client.login(user.username, user.password);
    expect(codes(res)).toEqual(["SECOND_FACTOR_REQUIRED"]);
    expect(res.body.errors?.[0].extensions?.methods).toEqual(["TOTP", "RECOVERY_CODE"]);
    expect(client.cookie).not.toBeNull();
    return client;
  }

  it("enrolls: a secret, an otpauth URI and an SVG QR code; the secret is sealed at rest", async () => {
    const client = await signedIn();
    const res = await client.gql<{ startTotpEnrollment: { secret: string; uri: string; qrSvg: string } }>(START);
    const enrollment = res.body.data?.startTotpEnrollment;
    expect(enrollment?.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(enrollment?.uri as string);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(uri.searchParams.get("secret")).toBe(enrollment?.secret);
    expect(uri.searchParams.get("algorithm")).toBe("SHA1");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
    expect(decodeURIComponent(uri.pathname)).toContain("neville");
    expect(enrollment?.qrSvg).toMatch(/^<svg[^>]*>.*<path/s);
    const row = await app.db.prisma.totpFactor.findUniqueOrThrow({ where: { userId: user.id } });
    expect(row.secret).toMatch(/^v1\.1\./);
    expect(row.secret).not.toContain(enrollment?.secret);
    expect(row.confirmedAt).toBeNull();
    // nothing changes for sign-in until confirmed
    expect((await client.gql(SECURITY)).body.data).toMatchObject({ me: { security: { totpEnabled: false } } });
    expect(codes(await app.client().login(user.username, user.password))).toEqual([]);
    secret = enrollment?.secret as string;

    // wrong, malformed and oversize codes change nothing
    const wrong = codeAt(secret, app.clock.now + 300);
    expect(codes(await client.gql(CONFIRM, { c: wrong }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await client.gql(CONFIRM, { c: "12ab56" }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await client.gql(CONFIRM, { c: "1".repeat(65) }))).toEqual(["BAD_USER_INPUT"]);
    expect((await app.db.prisma.totpFactor.findUniqueOrThrow({ where: { userId: user.id } })).confirmedAt).toBeNull();

    const confirmed = await client.gql<{ confirmTotpEnrollment: string[] }>(CONFIRM, {
      c: codeAt(secret, app.clock.now),
    });
    recovery = confirmed.body.data?.confirmTotpEnrollment as string[];
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    for (const code of recovery) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{6}(-[0-9A-HJKMNP-TV-Z]{6}){3}$/);
    // only hashes are stored
    const stored = await app.db.prisma.recoveryCode.findMany({ where: { userId: user.id } });
    expect(stored).toHaveLength(10);
    for (const row of stored) expect(recovery.join()).not.toContain(row.codeHash.slice(0, 12));
    expect((await client.gql(SECURITY)).body.data).toEqual({
      me: { security: { totpEnabled: true, recoveryCodesLeft: 10, emailVerified: false, passkeys: [] } },
    });
    // enrolling twice and confirming twice are bad input
    expect(codes(await client.gql(START))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await client.gql(CONFIRM, { c: codeAt(secret, app.clock.now) }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers confirming without a started enrollment, and disabling without TOTP, with BAD_USER_INPUT", async () => {
    const other = app.client();
    await other.login("luna", "nargles-and-wrackspurts");
    const confirm = await other.gql(CONFIRM, { c: "123456" });
    expect(codes(confirm)).toEqual(["BAD_USER_INPUT"]);
    expect(confirm.body.errors?.[0].message).toMatch(/startTotpEnrollment/);
    expect(codes(await other.gql("mutation { disableTotp }"))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await other.gql("mutation { regenerateRecoveryCodes }"))).toEqual(["BAD_USER_INPUT"]);
  });

  it("makes login a pending sign-in, then verifySecondFactor a fresh session", async () => {
    const before = await app.db.prisma.session.count({ where: { userId: user.id } });
    const client = await pending();
    const pendingCookie = client.cookie;
    expect(await app.db.prisma.session.count({ where: { userId: user.id } })).toBe(before);
    expect((await client.gql("{ me { username } }")).body.data).toEqual({ me: null });
    // the code that confirmed enrollment belongs to a used step: a replay
    expect(codes(await client.gql(VERIFY, { c: codeAt(secret, app.clock.now) }))).toEqual(["INVALID_CREDENTIALS"]);
    app.clock.advance(30);
    const code = codeAt(secret, app.clock.now);
    const wrong = code === "000000" ? "000001" : "000000";
    expect(codes(await client.gql(VERIFY, { c: wrong }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await client.gql(VERIFY, { c: "not a code" }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await client.gql(VERIFY, { c: "9".repeat(65) }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await client.gql(VERIFY, {}))).toEqual(["BAD_USER_INPUT"]);
    const passkey = await client.gql('mutation { verifySecondFactor(passkey: {id: "x"}) { username } }');
    expect(codes(passkey)).toEqual(["BAD_USER_INPUT"]);
    expect(client.cookie).toBe(pendingCookie); // still pending after failures

    const ok = await client.gql(VERIFY, { c: code });
    expect(ok.body).toEqual({ data: { verifySecondFactor: { username: "neville" } } });
    expect(client.cookie).not.toBe(pendingCookie);
    const sessions = await client.gql<{
      mySessions: { current: boolean; methods: string[]; authenticatedAt: string }[];
    }>(SESSIONS);
    const current = sessions.body.data?.mySessions.find((s) => s.current);
    expect(current?.methods).toEqual(["pwd", "otp", "mfa"]);
    expect(Date.parse(current?.authenticatedAt as string)).toBe(app.clock.now * 1000);

    // the pending cookie was single-use: replayed, it is anonymous, and the code is spent anyway
    const thief = app.client();
    thief.cookie = pendingCookie;
    expect(codes(await thief.gql(VERIFY, { c: code }))).toEqual(["UNAUTHENTICATED"]);
    expect((await thief.gql("{ me { username } }")).body.data).toEqual({ me: null });
    const again = await pending();
    expect(codes(await again.gql(VERIFY, { c: code }))).toEqual(["INVALID_CREDENTIALS"]);
  });

  it("accepts the previous and next step, not two steps away", async () => {
    app.clock.advance(90);
    const early = await pending();
    expect(codes(await early.gql(VERIFY, { c: codeAt(secret, app.clock.now - 60) }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await early.gql(VERIFY, { c: codeAt(secret, app.clock.now - 30) }))).toEqual([]);
    app.clock.advance(90);
    const late = await pending();
    expect(codes(await late.gql(VERIFY, { c: codeAt(secret, app.clock.now + 60) }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await late.gql(VERIFY, { c: codeAt(secret, app.clock.now + 30) }))).toEqual([]);
    // the next step was used: the current one is now older than the last used, refused
    const after = await pending();
    expect(codes(await after.gql(VERIFY, { c: codeAt(secret, app.clock.now) }))).toEqual(["INVALID_CREDENTIALS"]);
  });

  it("lets a pending sign-in lapse after 5 minutes", async () => {
    app.clock.advance(120);
    const client = await pending();
    app.clock.advance(301);
    const res = await client.gql(VERIFY, { c: codeAt(secret, app.clock.now) });
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(client.cookie).toBeNull();
    expect((await client.gql("{ me { username } }")).body.data).toEqual({ me: null });
  });

  it("accepts each recovery code once, however it is typed; regenerating replaces the set", async () => {
    app.clock.advance(60);
    const client = await pending();
    const typed = recovery[0].toLowerCase().replaceAll("-", " ");
    expect(codes(await client.gql(VERIFY, { c: typed }))).toEqual([]);
    expect((await client.gql(SECURITY)).body.data).toMatchObject({ me: { security: { recoveryCodesLeft: 9 } } });
    const again = await pending();
    expect(codes(await again.gql(VERIFY, { c: recovery[0] }))).toEqual(["INVALID_CREDENTIALS"]);

    const fresh = await client.gql<{ regenerateRecoveryCodes: string[] }>("mutation { regenerateRecoveryCodes }");
    const next = fresh.body.data?.regenerateRecoveryCodes as string[];
    expect(next).toHaveLength(10);
    expect((await client.gql(SECURITY)).body.data).toMatchObject({ me: { security: { recoveryCodesLeft: 10 } } });
    expect(codes(await again.gql(VERIFY, { c: recovery[1] }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await again.gql(VERIFY, { c: next[9] }))).toEqual([]);
  });

  it("keeps an audit trail the user can read, and no one else", async () => {
    const client = await pending();
    app.clock.advance(30);
    await client.gql(VERIFY, { c: codeAt(secret, app.clock.now) });
    const res = await client.gql<{ me: { security: { recentEvents: { kind: string; detail: string | null }[] } } }>(
      EVENTS,
    );
    const events = res.body.data?.me.security.recentEvents ?? [];
    const kinds = events.map((e) => `${e.kind}:${e.detail ?? ""}`);
    expect(kinds[0]).toBe("SIGN_IN:pwd+otp");
    expect(kinds).toEqual(
      expect.arrayContaining([
        "TOTP_ENABLED:",
        "SECOND_FACTOR_REQUIRED:pwd",
        "SECOND_FACTOR_FAILED:sign-in",
        "RECOVERY_CODE_USED:sign-in",
        "SIGN_IN:pwd+recovery_code",
        "RECOVERY_CODES_REGENERATED:",
        "SIGN_IN:pwd",
      ]),
    );
    expect(events[0]).toMatchObject({ userAgent: "authenticator-test", address: expect.any(String) });
    // nothing secret in the trail
    const raw = JSON.stringify(await app.db.prisma.securityEvent.findMany({ where: { userId: user.id } }), (_k, v) =>
      typeof v === "bigint" ? String(v) : v,
    );
    for (const code of [...recovery, secret, user.password]) expect(raw).not.toContain(code);
    // append-only: updates and deletes change nothing
    await app.db.prisma.securityEvent.deleteMany({ where: { userId: user.id } });
    expect(await app.db.prisma.securityEvent.count({ where: { userId: user.id } })).toBe(events.length);

    const other = app.client();
    await other.login("luna", "nargles-and-wrackspurts");
    const id = (await client.gql<{ me: { id: string } }>("{ me { id } }")).body.data?.me.id;
    const peek = await other.gql(
      "query($id: ID!) { node(id: $id) { ... on User { username security { totpEnabled } } } }",
      {
        id,
      },
    );
    expect(peek.body.data).toEqual({ node: { username: "neville", security: null } });
    expect(codes(peek)).toEqual(["FORBIDDEN"]);
  });

  it("disables TOTP: sign-in is one step again and the codes are gone", async () => {
    const client = await pending();
    app.clock.advance(30);
    await client.gql(VERIFY, { c: codeAt(secret, app.clock.now) });
    expect((await client.gql("mutation { disableTotp }")).body.data).toEqual({ disableTotp: true });
    expect(codes(await client.gql("mutation { disableTotp }"))).toEqual(["BAD_USER_INPUT"]);
    expect((await client.gql(SECURITY)).body.data).toMatchObject({
      me: { security: { totpEnabled: false, recoveryCodesLeft: 0 } },
    });
    expect(codes(await app.client().login(user.username, user.password))).toEqual([]);
    // and can enroll again, with a new secret
    const again = await enroll(app, client);
    expect(again.secret).not.toBe(secret);
  });
});
