// Signing in and out with real cookies, and every kind of bad cookie being anonymous.
import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const ME = "{ me { username role house } }";

describe.each(BACKENDS)("login and the session cookie (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());

  it("sets a sealed, HttpOnly, SameSite=Lax cookie on login and knows the user next request", async () => {
    const c = app.client();
    const res = await c.login(DEMO.harry.username, DEMO.harry.password);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ login: { username: "harry" } });
    const line = c.lastSetCookie.find((l) => l.startsWith("session="));
    expect(line).toBeDefined();
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; Max-Age=604800/);
    expect(line).not.toMatch(/Secure/); // NODE_ENV=test; production adds it
    expect(c.cookie).toMatch(/^Fe26\.2\*/);
    expect(c.cookie).not.toContain("harry");
    const me = await c.gql(ME);
    expect(me.body.data).toEqual({ me: { username: "harry", role: "STUDENT", house: "GRYFFINDOR" } });
  });

  it("marks the cookie Secure in production", async () => {
    const prod = await createTestApp(backend, { NODE_ENV: "production" });
    try {
      // production creates no demo accounts: make one through the same path user:create uses
      const { hashPassword } = await import("../../src/auth/password.js");
      await prod.db.prisma.user.create({
        data: {
          username: "prof",
          displayName: "P",
          role: "PROFESSOR",
          passwordHash: await hashPassword("a-long-password"),
        },
      });
      const c = prod.client();
      await c.login("prof", "a-long-password");
      expect(c.lastSetCookie.find((l) => l.startsWith("__Host-session="))).toMatch(/; Secure/);
      expect(await prod.db.prisma.user.count({ where: { username: { in: ["harry", "luna", "mcgonagall"] } } })).toBe(0);
    } finally {
      await prod.dispose();
    }
  });

  it("answers a wrong password and an unknown user with the same error", async () => {
    const wrong = await app.client().login("harry", "not-his-password");
    const unknown = await app.client().login("voldemort", "not-his-password");
    expect(codes(wrong)).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(unknown)).toEqual(["INVALID_CREDENTIALS"]);
    expect(wrong.body.errors?.[0].message).toBe(unknown.body.errors?.[0].message);
    expect(wrong.body.data).toBeNull();
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it("accepts the username in another case or with spaces around it", async () => {
    const c = app.client();
    const res = await c.login("  HARRY ", DEMO.harry.password);
    expect(res.body.data).toMatchObject({ login: { username: "harry" } });
  });

  it("rejects an oversize password and a username with a NUL byte as BAD_USER_INPUT", async () => {
    expect(codes(await app.client().login("harry", "x".repeat(1_000_000)))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await app.client().login("har\u0000ry", "whatever-password"))).toEqual(["BAD_USER_INPUT"]);
  });

  it("issues a fresh seal and a new session on every login", async () => {
    const c = app.client();
    await c.login(DEMO.luna.username, DEMO.luna.password);
    const first = c.cookie;
    await c.login(DEMO.luna.username, DEMO.luna.password);
    expect(c.cookie).not.toBe(first);
    // the session replaced by the second login is over
    const old = app.client();
    old.cookie = first;
    expect((await old.gql(ME)).body.data).toEqual({ me: null });
  });

  it("logs out: expires the cookie, and the old cookie replayed is anonymous", async () => {
    const c = app.client();
    await c.login(DEMO.harry.username, DEMO.harry.password);
    const before = c.cookie;
    const out = await c.gql("mutation { logout }");
    expect(out.body.data).toEqual({ logout: true });
    const line = c.lastSetCookie.find((l) => l.startsWith("session="));
    expect(line).toMatch(/^session=; Max-Age=0/);
    expect(c.cookie).toBeNull();
    const replay = app.client();
    replay.cookie = before;
    expect((await replay.gql(ME)).body.data).toEqual({ me: null });
    // idempotent without a session
    expect((await app.client().gql("mutation { logout }")).body.data).toEqual({ logout: true });
  });

  describe("bad cookies are anonymous requests, never errors", () => {
    let valid: string;
    beforeAll(async () => {
      const c = app.client();
      await c.login(DEMO.harry.username, DEMO.harry.password);
      valid = c.cookie as string;
    });

    async function meWith(cookie: string) {
      const c = app.client();
      c.cookie = cookie;
      const res = await c.gql(ME);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      return res.body.data;
    }

    it("a tampered cookie", async () => {
      const i = valid.indexOf("*", 40) + 3;
      const flipped = valid.slice(0, i) + (valid[i] === "A" ? "B" : "A") + valid.slice(i + 1);
      expect(await meWith(flipped)).toEqual({ me: null });
    });

    it("a truncated cookie", async () => {
      expect(await meWith(valid.slice(0, valid.length - 10))).toEqual({ me: null });
      expect(await meWith(valid.slice(0, 20))).toEqual({ me: null });
    });

    it("garbage", async () => {
      expect(await meWith("garbage")).toEqual({ me: null });
      expect(await meWith("Fe26.2*1*a*b*c*d*e*f~2")).toEqual({ me: null });
      expect(await meWith("%00%ff")).toEqual({ me: null });
    });

    it("a cookie sealed with another secret, even with a real session id", async () => {
      const live = await app.db.prisma.session.findFirstOrThrow({ where: { user: { username: "harry" } } });
      const [sid, uid] = [live.id, live.userId];
      const now = Math.floor(Date.now() / 1000);
      const foreign = await sealData(
        { v: 1, sid, uid, iat: now, rat: now },
        { password: "another-secret-that-is-also-32-chars-long", ttl: 3600 },
      );
      expect(await meWith(foreign)).toEqual({ me: null });
    });

    it("still works with the genuine cookie", async () => {
      expect(await meWith(valid)).toEqual({ me: { username: "harry", role: "STUDENT", house: "GRYFFINDOR" } });
    });
  });
});
