// Session lifetimes on a fake clock: renewal, the idle limit and the absolute limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { createUser } from "../helpers/users.js";

const ME = "{ me { username role house } }";
const SESSIONS = "{ mySessions { id createdAt lastSeenAt userAgent current } }";
const REVOKE = "mutation($id: ID!) { revokeSession(id: $id) }";

// Small limits so that the fake clock crosses them quickly.
const ABSOLUTE = 600;
const IDLE = 180;
const RENEW = 60;

interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  current: boolean;
}

describe.each(BACKENDS)("session lifetimes (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, {
      SESSION_ABSOLUTE_TIMEOUT: String(ABSOLUTE),
      SESSION_IDLE_TIMEOUT: String(IDLE),
      SESSION_RENEW_INTERVAL: String(RENEW),
    });
  });
  afterAll(() => app?.dispose());

  /** A fresh client that sends `cookie`, as a thief or a browser with a stale jar would. */
  function holding(cookie: string | null): TestClient {
    const c = app.client("replayer");
    c.cookie = cookie;
    return c;
  }

  async function whoIs(cookie: string | null): Promise<string | null> {
    const res = await holding(cookie).gql<{ me: { username: string } | null }>(ME);
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.me?.username ?? null;
  }

  async function signIn(username: string, password: string, userAgent = "vitest"): Promise<TestClient> {
    const c = app.client(userAgent);
    const res = await c.login(username, password);
    expect(res.body.errors).toBeUndefined();
    return c;
  }

  async function sessionsOf(c: TestClient): Promise<SessionView[]> {
    const res = await c.gql<{ mySessions: SessionView[] }>(SESSIONS);
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.mySessions ?? [];
  }

  const rowsOf = (userId: string) => app.db.prisma.session.count({ where: { userId } });

  it("renewal re-seals the cookie at most once per renew interval", async () => {
    const user = await createUser(app, "wayne", "STUDENT", "HUFFLEPUFF");
    const c = await signIn(user.username, user.password);
    const login = app.clock.now;
    const sealed = c.cookie;
    const lastSeen = async () =>
      (await app.db.prisma.session.findFirstOrThrow({ where: { userId: user.id } })).lastSeenAt.getTime() / 1000;

    for (const step of [1, 30, RENEW - 32]) {
      app.clock.advance(step);
      expect((await c.gql(ME)).body.data).toMatchObject({ me: { username: "wayne" } });
      expect(c.lastSetCookie).toEqual([]);
    }
    expect(c.cookie).toBe(sealed);
    expect(await lastSeen()).toBe(login);

    app.clock.advance(1); // RENEW seconds since login
    expect((await c.gql(ME)).body.data).toMatchObject({ me: { username: "wayne" } });
    expect(c.lastSetCookie).toHaveLength(1);
    expect(c.lastSetCookie[0]).toMatch(new RegExp(`^session=Fe26\\.2\\*[^;]+; Max-Age=${ABSOLUTE - RENEW}; Path=/`));
    expect(c.cookie).not.toBe(sealed);
    expect(await lastSeen()).toBe(login + RENEW);

    await c.gql(ME);
    expect(c.lastSetCookie).toEqual([]);
    app.clock.advance(RENEW - 1);
    await c.gql(ME);
    expect(c.lastSetCookie).toEqual([]);
    app.clock.advance(1);
    await c.gql(ME);
    expect(c.lastSetCookie).toHaveLength(1);
  });

  it("a session unused for the idle limit is anonymous even though the browser still sends its cookie", async () => {
    const user = await createUser(app, "eloise", "STUDENT", "HUFFLEPUFF");
    const c = await signIn(user.username, user.password);
    app.clock.advance(IDLE - 1);
    expect(await whoIs(c.cookie)).toBe("eloise"); // renews: idle counts from here
    app.clock.advance(IDLE - 1);
    expect(await whoIs(c.cookie)).toBe("eloise");
    app.clock.advance(IDLE);
    const stale = c.cookie;
    const res = await c.gql(ME);
    expect(res.body).toEqual({ data: { me: null } });
    expect(c.lastSetCookie.some((l) => /^session=; Max-Age=0/.test(l))).toBe(true);
    expect(await whoIs(stale)).toBeNull();
    expect(await rowsOf(user.id)).toBe(0);
  });

  it("use renews the idle limit but never the absolute one", async () => {
    const user = await createUser(app, "megan", "STUDENT", "HUFFLEPUFF");
    const c = await signIn(user.username, user.password);
    const cookies = [c.cookie];
    // used every 100 s: well within the idle limit each time, 500 s in all
    for (let i = 0; i < 5; i++) {
      app.clock.advance(100);
      expect((await c.gql(ME)).body.data).toMatchObject({ me: { username: "megan" } });
      expect(c.lastSetCookie).toHaveLength(1); // renewed each time
      cookies.push(c.cookie);
    }
    app.clock.advance(ABSOLUTE - 500 - 1);
    expect((await c.gql(ME)).body.data).toMatchObject({ me: { username: "megan" } });
    cookies.push(c.cookie);
    app.clock.advance(1); // ABSOLUTE seconds since login, last use 100 s ago
    for (const cookie of cookies) expect(await whoIs(cookie)).toBeNull();
    expect((await c.gql(ME)).body.data).toEqual({ me: null });
    expect(codes(await holding(cookies.at(-1) ?? null).gql(SESSIONS))).toEqual(["UNAUTHENTICATED"]);
  });

  it("mySessions leaves out expired sessions, and the next login deletes idle rows", async () => {
    const user = await createUser(app, "leanne", "STUDENT", "HUFFLEPUFF");
    const old = await signIn(user.username, user.password, "old");
    app.clock.advance(IDLE - 10);
    const fresh = await signIn(user.username, user.password, "fresh");
    app.clock.advance(10); // "old" is now idle
    expect(await rowsOf(user.id)).toBe(2);
    expect((await sessionsOf(fresh)).map((s) => s.userAgent)).toEqual(["fresh"]);
    const oldId = (await app.db.prisma.session.findFirstOrThrow({ where: { userId: user.id, userAgent: "old" } })).id;
    const globalId = Buffer.from(`Session:${oldId}`).toString("base64url");
    expect((await fresh.gql(REVOKE, { id: globalId })).body).toEqual({ data: { revokeSession: false } });
    await signIn(DEMO.luna.username, DEMO.luna.password); // anyone's login sweeps
    expect(await app.db.prisma.session.count({ where: { id: oldId } })).toBe(0);
    expect(await whoIs(old.cookie)).toBeNull();
    expect(await whoIs(fresh.cookie)).toBe("leanne");
  });
});
