// Recovery by email over a real SMTP server: reset links, address changes, notices, bad input.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { linkToken, startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { codeAt, enroll } from "../helpers/totp.js";

const REQUEST = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET = "mutation($t: String!, $p: String!, $c: String) { resetPassword(token: $t, newPassword: $p, code: $c) }";
const CHANGE = "mutation($e: String!) { changeEmail(newEmail: $e) }";
const VERIFY_EMAIL = "mutation($t: String!) { verifyEmail(token: $t) }";
const ME = "{ me { username email security { emailVerified } } }";

describe.each(BACKENDS)("recovery by email (%s)", (backend) => {
  let app: TestApp;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
    app = await createTestApp(backend, { SMTP_URL: smtp.url }, { mailPollMs: 50 });
  });
  afterAll(async () => {
    await app?.dispose();
    await smtp?.stop();
  });
  beforeEach(() => {
    smtp.received.length = 0;
  });

  const outboxCount = () => app.db.prisma.mailMessage.count();
  const requestCount = () => app.db.prisma.resetRequest.count();
  const anon = () => app.client();

  /** Asks for a reset of `email` and returns the token from the mail that arrives at `to`. */
  async function resetToken(email: string, to: string): Promise<string> {
    const before = smtp.received.length;
    const res = await anon().gql(REQUEST, { e: email });
    expect(res.body).toEqual({ data: { requestPasswordReset: true } });
    const mail = await smtp.waitFor(
      (m, i = smtp.received.indexOf(m)) => i >= before && m.to === to && /Reset/.test(m.subject),
    );
    // The HTML link carries the same token as the text one.
    expect(mail.html).toContain(`#reset=${linkToken(mail.text, "reset")}`);
    return linkToken(mail.text, "reset");
  }

  it("shows the caller's own address, verified, and nobody else's", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    const own = await harry.gql(ME);
    expect(own.body.data).toEqual({
      me: { username: "harry", email: "harry@hogwarts.test", security: { emailVerified: true } },
    });
    const luna = app.client();
    await luna.login(DEMO.luna.username, DEMO.luna.password);
    const id = (await luna.gql<{ me: { id: string } }>("{ me { id } }")).body.data?.me.id;
    const other = await harry.gql(`{ node(id: "${id}") { ... on User { username email } } }`);
    expect(other.body.data).toEqual({ node: { username: "luna", email: null } });
    expect(codes(other)).toEqual(["FORBIDDEN"]);
  });

  it("resets a password from the emailed link, once, ending every session and sending a notice", async () => {
    const signedIn = app.client();
    await signedIn.login(DEMO.luna.username, DEMO.luna.password);
    const token = await resetToken("  Luna@HOGWARTS.test ", "luna@hogwarts.test");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await app.db.prisma.emailToken.findMany({ where: { purpose: "RESET" } });
    expect(stored.map((t) => t.tokenHash)).not.toContain(token);
    const done = await anon().gql(RESET, { t: token, p: "quibbler-editor-moonbeam" });
    expect(done.body).toEqual({ data: { resetPassword: true } });
    expect((await signedIn.gql(ME)).body.data?.me).toBeNull();
    expect(codes(await anon().login("luna", DEMO.luna.password))).toEqual(["INVALID_CREDENTIALS"]);
    expect((await anon().login("luna", "quibbler-editor-moonbeam")).body.errors).toBeUndefined();
    const again = await anon().gql(RESET, { t: token, p: "crumple-horned-snorkack-9" });
    expect(codes(again)).toEqual(["INVALID_CREDENTIALS"]);
    const notice = await smtp.waitFor((m) => m.to === "luna@hogwarts.test" && m.subject === "Your password was reset");
    expect(notice.text).not.toMatch(/quibbler-editor-moonbeam|#reset=/);
    // Back to the demo password for the other tests.
    const back = await resetToken("luna@hogwarts.test", "luna@hogwarts.test");
    expect((await anon().gql(RESET, { t: back, p: DEMO.luna.password })).body.errors).toBeUndefined();
  });

  it("answers an unknown address byte for byte like a known one and sends it nothing", async () => {
    const known = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: REQUEST, variables: { e: "mcgonagall@hogwarts.test" } }),
    });
    const unknown = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: REQUEST, variables: { e: "nobody@hogwarts.test" } }),
    });
    expect(unknown.status).toBe(known.status);
    expect(await unknown.text()).toBe(await known.text());
    const headers = (r: Response) => [...r.headers].filter(([k]) => !["date", "x-request-id"].includes(k));
    expect(headers(unknown)).toEqual(headers(known));
    await smtp.waitFor((m) => m.to === "mcgonagall@hogwarts.test");
    // Both requests were expanded by now (in order): the unknown one produced no mail.
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.filter((m) => m.to === "nobody@hogwarts.test")).toEqual([]);
    expect(await requestCount()).toBe(0);
  });

  it("voids an older link when a newer one is asked for, and expires a link after 30 minutes", async () => {
    const first = await resetToken("mcgonagall@hogwarts.test", "mcgonagall@hogwarts.test");
    const second = await resetToken("mcgonagall@hogwarts.test", "mcgonagall@hogwarts.test");
    expect(codes(await anon().gql(RESET, { t: first, p: "minerva-new-password-1" }))).toEqual(["INVALID_CREDENTIALS"]);
    app.clock.advance(31 * 60);
    expect(codes(await anon().gql(RESET, { t: second, p: "minerva-new-password-1" }))).toEqual(["INVALID_CREDENTIALS"]);
    expect((await anon().login("mcgonagall", DEMO.mcgonagall.password)).body.errors).toBeUndefined();
  });

  it("changes only the account the token was sent for; an address link is no reset link", async () => {
    const token = await resetToken("harry@hogwarts.test", "harry@hogwarts.test");
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    expect((await harry.gql(CHANGE, { e: "the-boy@hogwarts.test" })).body.errors).toBeUndefined();
    const link = await smtp.waitFor((m) => m.to === "the-boy@hogwarts.test");
    const verify = linkToken(link.text, "verify");
    expect(codes(await anon().gql(RESET, { t: verify, p: "wand-of-holly-phoenix-2" }))).toEqual([
      "INVALID_CREDENTIALS",
    ]);
    expect(codes(await anon().gql(VERIFY_EMAIL, { t: token }))).toEqual(["INVALID_CREDENTIALS"]);
    expect((await anon().gql(RESET, { t: token, p: "wand-of-holly-phoenix-2" })).body.errors).toBeUndefined();
    expect((await anon().login("luna", DEMO.luna.password)).body.errors).toBeUndefined();
    expect((await anon().login("mcgonagall", DEMO.mcgonagall.password)).body.errors).toBeUndefined();
    expect((await anon().login("harry", "wand-of-holly-phoenix-2")).body.errors).toBeUndefined();
    await app.db.prisma.emailToken.deleteMany({});
    const back = await resetToken("harry@hogwarts.test", "harry@hogwarts.test");
    expect((await anon().gql(RESET, { t: back, p: DEMO.harry.password })).body.errors).toBeUndefined();
  });

  it("asks for the second factor when the account has one; without it nothing changes", async () => {
    const luna = app.client();
    await luna.login(DEMO.luna.username, DEMO.luna.password);
    const { secret, codes: recovery } = await enroll(app, luna);
    await smtp.waitFor((m) => m.to === "luna@hogwarts.test" && m.subject === "An authenticator was added");
    const token = await resetToken("luna@hogwarts.test", "luna@hogwarts.test");
    const missing = await anon().gql(RESET, { t: token, p: "spectrespecs-and-radishes-3" });
    expect(codes(missing)).toEqual(["BAD_USER_INPUT"]);
    expect(missing.body.errors?.[0].extensions?.argument).toBe("code");
    const wrong = await anon().gql(RESET, {
      t: token,
      p: "spectrespecs-and-radishes-3",
      c: "000000" === codeAt(secret, app.clock.now) ? "111111" : "000000",
    });
    expect(codes(wrong)).toEqual(["INVALID_CREDENTIALS"]);
    expect((await anon().login("luna", DEMO.luna.password)).body.errors?.[0].extensions?.code).toBe(
      "SECOND_FACTOR_REQUIRED",
    );
    const ok = await anon().gql(RESET, { t: token, p: "spectrespecs-and-radishes-3", c: recovery[0] });
    expect(ok.body).toEqual({ data: { resetPassword: true } });
    expect(codes(await anon().login("luna", "spectrespecs-and-radishes-3"))).toEqual(["SECOND_FACTOR_REQUIRED"]);
  });

  it("moves an address only when the new one is proved, with a notice to the old one", async () => {
    const prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    expect((await prof.gql(CHANGE, { e: "Minerva@Transfiguration.TEST" })).body).toEqual({
      data: { changeEmail: true },
    });
    const link = await smtp.waitFor((m) => m.to === "Minerva@transfiguration.test");
    const notice = await smtp.waitFor((m) => m.to === "mcgonagall@hogwarts.test" && /requested/.test(m.subject));
    expect(notice.text).not.toContain("#verify=");
    expect((await prof.gql(ME)).body.data?.me).toMatchObject({ email: "mcgonagall@hogwarts.test" });
    const token = linkToken(link.text, "verify");
    expect((await anon().gql(VERIFY_EMAIL, { t: token })).body).toEqual({ data: { verifyEmail: true } });
    expect((await prof.gql(ME)).body.data?.me).toMatchObject({ email: "Minerva@transfiguration.test" });
    expect(codes(await anon().gql(VERIFY_EMAIL, { t: token }))).toEqual(["INVALID_CREDENTIALS"]);
    await smtp.waitFor((m) => m.to === "mcgonagall@hogwarts.test" && m.subject === "Your email address was changed");
    // The old address no longer resets anything; the new one does, whatever its case.
    await resetToken("MINERVA@transfiguration.test", "Minerva@transfiguration.test");
    // Someone else's address: the same answer, and only that address hears of it.
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    expect((await harry.gql(CHANGE, { e: "minerva@transfiguration.test" })).body).toEqual({
      data: { changeEmail: true },
    });
    const inUse = await smtp.waitFor((m) => m.to === "minerva@transfiguration.test" && /in use/.test(m.subject));
    expect(inUse.text).not.toMatch(/harry|#verify=/i);
  });

  it("escapes user text in HTML and keeps it out of headers", async () => {
    const user = await app.db.prisma.user.findUniqueOrThrow({ where: { username: "harry" } });
    await app.db.prisma.user.update({
      where: { id: user.id },
      data: { displayName: '<img src=x onerror="alert(1)">\r\nBcc: evil@x.test' },
    });
    await resetToken("harry@hogwarts.test", "harry@hogwarts.test");
    const mail = smtp.received.find((m) => m.to === "harry@hogwarts.test" && /Reset/.test(m.subject)) as {
      html: string;
      raw: string;
    };
    expect(mail.html).not.toContain("<img");
    expect(mail.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    const headers = mail.raw.slice(0, mail.raw.indexOf("\r\n\r\n"));
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).toMatch(/^To: harry@hogwarts\.test$/im);
    await app.db.prisma.user.update({ where: { id: user.id }, data: { displayName: user.displayName } });
  });

  it("refuses bad input with BAD_USER_INPUT or INVALID_CREDENTIALS, queueing and changing nothing", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    const [mails, requests] = [await outboxCount(), await requestCount()];
    const long = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.test`;
    expect(long.length).toBeGreaterThan(254);
    const bad = [
      "not-an-address",
      "",
      "a@b",
      long,
      "harry@hogwarts.test\r\nBcc: evil@x.test",
      "harry@hogwarts.test\nBcc: evil@x.test",
      "Harry <harry@hogwarts.test>",
      "harry@hogwarts.test, evil@x.test",
      '"a b"@hogwarts.test',
    ];
    for (const e of bad) {
      expect(codes(await anon().gql(REQUEST, { e })), e).toEqual(["BAD_USER_INPUT"]);
      expect(codes(await harry.gql(CHANGE, { e })), e).toEqual(["BAD_USER_INPUT"]);
    }
    for (const t of ["", "short", "x".repeat(44), `${"a".repeat(42)}\n`, "a".repeat(10_000)]) {
      expect(codes(await anon().gql(RESET, { t, p: "whatever-new-password" })), t).toEqual(["BAD_USER_INPUT"]);
      expect(codes(await anon().gql(VERIFY_EMAIL, { t })), t).toEqual(["BAD_USER_INPUT"]);
    }
    const unknown = "A".repeat(43);
    expect(codes(await anon().gql(RESET, { t: unknown, p: "whatever-new-password" }))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await anon().gql(VERIFY_EMAIL, { t: unknown }))).toEqual(["INVALID_CREDENTIALS"]);
    expect([await outboxCount(), await requestCount()]).toEqual([mails, requests]);
    expect((await harry.gql(ME)).body.data?.me).toMatchObject({ email: "harry@hogwarts.test" });
    expect((await anon().login("harry", DEMO.harry.password)).body.errors).toBeUndefined();
  });

  it("sends a notice for a changed password, new recovery codes and a removed authenticator", async () => {
    const prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    const to = ((await prof.gql<{ me: { email: string } }>(ME)).body.data?.me.email ?? "") as string;
    const changed = await prof.gql(
      "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
      { c: DEMO.mcgonagall.password, n: "animagus-tabby-cat-7" },
    );
    expect(changed.body.errors).toBeUndefined();
    await smtp.waitFor((m) => m.to === to && m.subject === "Your password was changed");
    await enroll(app, prof);
    const fresh = await prof.gql<{ regenerateRecoveryCodes: string[] }>("mutation { regenerateRecoveryCodes }");
    const recovery = fresh.body.data?.regenerateRecoveryCodes ?? [];
    expect(recovery).toHaveLength(10);
    expect((await prof.gql("mutation { disableTotp }")).body.errors).toBeUndefined();
    for (const subject of [
      "An authenticator was added",
      "New recovery codes were made",
      "An authenticator was removed",
    ]) {
      const notice = await smtp.waitFor((m) => m.to === to && m.subject === subject);
      for (const secret of ["animagus-tabby-cat-7", ...recovery]) expect(notice.raw).not.toContain(secret);
    }
  });

  it("throttles changeEmail per account: past the limit RATE_LIMITED with retryAfter, nothing queued or sent", async () => {
    app.clock.advance(16 * 60); // a fresh throttle window: earlier tests changed Harry's address too
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    for (let i = 0; i < 5; i++) {
      expect((await harry.gql(CHANGE, { e: `owl${i}@hogwarts.test` })).body).toEqual({ data: { changeEmail: true } });
    }
    const links = () => app.db.prisma.emailToken.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    const [mails, before] = [await outboxCount(), await links()];
    const limited = await harry.gql(CHANGE, { e: "owl-too-many@hogwarts.test" });
    expect(codes(limited)).toEqual(["RATE_LIMITED"]);
    const retryAfter = limited.body.errors?.[0].extensions?.retryAfter as number;
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60).toBe(true);
    expect([await outboxCount(), await links()]).toEqual([mails, before]);
    for (let i = 0; i < 5; i++) await smtp.waitFor((m) => m.to === `owl${i}@hogwarts.test`);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.filter((m) => m.to === "owl-too-many@hogwarts.test")).toEqual([]);
    expect((await harry.gql(ME)).body.data?.me).toMatchObject({ email: "harry@hogwarts.test" });
  });

  it("throttles reset requests per address", async () => {
    const e = "throttled@hogwarts.test";
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(codes(await anon().gql(REQUEST, { e })));
    expect(answers.slice(0, 5)).toEqual([[], [], [], [], []]);
    expect(answers[6]).toEqual(["RATE_LIMITED"]);
  });
});
