// Sessions end when they should: logout, revocation, password change, privilege changes and
// deleted users, through real cookie round trips on a fake clock.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { createUser } from "../helpers/users.js";

const ME = "{ me { username role house } }";
const SESSIONS = "{ mySessions { id createdAt lastSeenAt userAgent current } }";
const REVOKE = "mutation($id: ID!) { revokeSession(id: $id) }";
const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const AWARD = `mutation { awardPoints(house: HUFFLEPUFF, points: 5, reason: "Well done") { house points } }`;

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

describe.each(BACKENDS)("session lifecycle (%s)", (backend) => {
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

  it("after logout, the cookie copied before logout replays as an anonymous request", async () => {
    const user = await createUser(app, "hannah", "STUDENT", "HUFFLEPUFF");
    const c = await signIn(user.username, user.password);
    const copied = c.cookie;
    expect(await whoIs(copied)).toBe("hannah");
    expect(await rowsOf(user.id)).toBe(1);

    expect((await c.gql("mutation { logout }")).body.data).toEqual({ logout: true });
    expect(c.cookie).toBeNull();
    expect(await rowsOf(user.id)).toBe(0);

    const replay = holding(copied);
    const res = await replay.gql(ME);
    expect(res.body).toEqual({ data: { me: null } });
    expect(replay.lastSetCookie.some((l) => /^session=; Max-Age=0/.test(l))).toBe(true);
    expect(codes(await holding(copied).gql(SESSIONS))).toEqual(["UNAUTHENTICATED"]);
  });

  it("logoutEverywhere ends every session of the user in every client at once, and no one else's", async () => {
    const user = await createUser(app, "ernie", "STUDENT", "HUFFLEPUFF");
    const phone = await signIn(user.username, user.password, "phone");
    const laptop = await signIn(user.username, user.password, "laptop");
    const tablet = await signIn(user.username, user.password, "tablet");
    const luna = await signIn(DEMO.luna.username, DEMO.luna.password);
    const cookies = [phone.cookie, laptop.cookie, tablet.cookie];
    expect(await rowsOf(user.id)).toBe(3);

    const res = await laptop.gql("mutation { logoutEverywhere }");
    expect(res.body).toEqual({ data: { logoutEverywhere: true } });
    expect(laptop.cookie).toBeNull();
    for (const cookie of cookies) expect(await whoIs(cookie)).toBeNull();
    expect((await phone.gql(ME)).body.data).toEqual({ me: null });
    expect((await tablet.gql(ME)).body.data).toEqual({ me: null });
    expect(await rowsOf(user.id)).toBe(0);
    expect(await whoIs(luna.cookie)).toBe("luna");
    // and nothing stops signing in again
    expect(await whoIs((await signIn(user.username, user.password)).cookie)).toBe("ernie");
    expect(codes(await app.client().gql("mutation { logoutEverywhere }"))).toEqual(["UNAUTHENTICATED"]);
  });

  it("mySessions lists the caller's own live sessions; revokeSession ends exactly one", async () => {
    const user = await createUser(app, "susan", "STUDENT", "HUFFLEPUFF");
    const first = await signIn(user.username, user.password, "Firefox on Linux");
    app.clock.advance(5);
    const second = await signIn(user.username, user.password, "Safari on iPhone");
    const third = await signIn(user.username, user.password, "curl/8");
    await signIn(DEMO.luna.username, DEMO.luna.password, "Luna's browser");

    const seen = await sessionsOf(first);
    expect(seen.map((s) => s.userAgent).sort()).toEqual(["Firefox on Linux", "Safari on iPhone", "curl/8"]);
    expect(seen.filter((s) => s.current).map((s) => s.userAgent)).toEqual(["Firefox on Linux"]);
    for (const s of seen) {
      expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
      expect(new Date(s.lastSeenAt).getTime()).toBeGreaterThanOrEqual(new Date(s.createdAt).getTime());
    }
    const safari = seen.find((s) => s.userAgent === "Safari on iPhone") as SessionView;
    expect(new Date(safari.createdAt).getTime() / 1000).toBe(app.clock.now);

    expect((await first.gql(REVOKE, { id: safari.id })).body).toEqual({ data: { revokeSession: true } });
    expect((await second.gql(ME)).body.data).toEqual({ me: null });
    expect(await whoIs(first.cookie)).toBe("susan");
    expect(await whoIs(third.cookie)).toBe("susan");
    expect((await sessionsOf(first)).map((s) => s.userAgent).sort()).toEqual(["Firefox on Linux", "curl/8"]);
    // revoking it again: there is no such session any more
    expect((await first.gql(REVOKE, { id: safari.id })).body).toEqual({ data: { revokeSession: false } });

    // revoking the current session signs this client out
    const mine = (await sessionsOf(third)).find((s) => s.current) as SessionView;
    expect((await third.gql(REVOKE, { id: mine.id })).body).toEqual({ data: { revokeSession: true } });
    expect(third.cookie).toBeNull();
    expect(await whoIs(first.cookie)).toBe("susan");
  });

  it("a user cannot see, fetch or revoke another user's session, nor learn that its id exists", async () => {
    const victim = await createUser(app, "justin", "STUDENT", "HUFFLEPUFF");
    const justin = await signIn(victim.username, victim.password, "Justin's laptop");
    const luna = await signIn(DEMO.luna.username, DEMO.luna.password);
    const victimId = (await sessionsOf(justin))[0].id;
    const missingId = Buffer.from("Session:00000000-0000-4000-8000-000000000000").toString("base64url");

    const lunas = await sessionsOf(luna);
    expect(lunas.map((s) => s.id)).not.toContain(victimId);
    expect(lunas.every((s) => s.userAgent !== "Justin's laptop")).toBe(true);

    const revokeOther = await luna.gql(REVOKE, { id: victimId });
    const revokeMissing = await luna.gql(REVOKE, { id: missingId });
    expect(revokeOther.body).toEqual({ data: { revokeSession: false } });
    expect(revokeOther.body).toEqual(revokeMissing.body);
    expect(revokeOther.status).toBe(revokeMissing.status);

    const NODE = "query($id: ID!) { node(id: $id) { id ... on Session { userAgent current } } }";
    const nodeOther = await luna.gql(NODE, { id: victimId });
    const nodeMissing = await luna.gql(NODE, { id: missingId });
    expect(nodeOther.body).toEqual({ data: { node: null } });
    expect(nodeOther.body).toEqual(nodeMissing.body);
    // the owner does get it through node(id)
    expect((await justin.gql(NODE, { id: victimId })).body).toEqual({
      data: { node: { id: victimId, userAgent: "Justin's laptop", current: true } },
    });
    expect(codes(await app.client().gql(NODE, { id: victimId }))).toEqual(["UNAUTHENTICATED"]);

    expect(await whoIs(justin.cookie)).toBe("justin");
    expect(await rowsOf(victim.id)).toBe(1);
  });

  it("changePassword refuses a wrong current password and weak new ones, changing nothing", async () => {
    const user = await createUser(app, "zacharias", "STUDENT", "HUFFLEPUFF");
    const c = await signIn(user.username, user.password);
    const other = await signIn(user.username, user.password, "other");
    const cookie = c.cookie;

    const wrong = await c.gql(CHANGE, { c: "not-my-password", n: "a-brand-new-password" });
    expect(codes(wrong)).toEqual(["INVALID_CREDENTIALS"]);
    expect(wrong.body.errors?.[0].message).toBe("Invalid username or password.");
    for (const n of ["seven77", "x".repeat(257), "password123", "HOGWARTS", "Gryffindor"]) {
      const res = await c.gql(CHANGE, { c: user.password, n });
      expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(c.cookie).toBe(cookie);
    expect(await whoIs(other.cookie)).toBe("zacharias");
    expect(await rowsOf(user.id)).toBe(2);
    expect((await app.client().login(user.username, user.password)).body.errors).toBeUndefined();
    // exactly 8 and exactly 256 characters are accepted
    expect((await c.gql(CHANGE, { c: user.password, n: "eight-ch" })).body).toEqual({ data: { changePassword: true } });
    expect((await c.gql(CHANGE, { c: "eight-ch", n: "y".repeat(256) })).body).toEqual({
      data: { changePassword: true },
    });
    expect(codes(await app.client().gql(CHANGE, { c: "a", n: "b" }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("changePassword ends every other session, keeps this client signed in on a new cookie, swaps the password", async () => {
    const user = await createUser(app, "cedric", "STUDENT", "HUFFLEPUFF");
    const here = await signIn(user.username, user.password, "here");
    const there = await signIn(user.username, user.password, "there");
    const elsewhere = await signIn(user.username, user.password, "elsewhere");
    const before = here.cookie;

    const res = await here.gql(CHANGE, { c: user.password, n: "a-much-better-passphrase" });
    expect(res.body).toEqual({ data: { changePassword: true } });
    expect(here.cookie).not.toBeNull();
    expect(here.cookie).not.toBe(before);

    expect(await whoIs(here.cookie)).toBe("cedric");
    expect(await whoIs(there.cookie)).toBeNull();
    expect(await whoIs(elsewhere.cookie)).toBeNull();
    // a copy of this client's cookie taken before the change is dead too (new session id)
    expect(await whoIs(before)).toBeNull();
    const left = await sessionsOf(here);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ userAgent: "here", current: true });
    expect(await rowsOf(user.id)).toBe(1);

    expect(codes(await app.client().login(user.username, user.password))).toEqual(["INVALID_CREDENTIALS"]);
    expect((await app.client().login(user.username, "a-much-better-passphrase")).body.errors).toBeUndefined();
  });

  it("every login gets a fresh session identity, even over a cookie planted by someone else", async () => {
    const attacker = await signIn(DEMO.luna.username, DEMO.luna.password);
    const planted = attacker.cookie;
    const plantedIds = (await sessionsOf(attacker)).map((s) => s.id);

    const victim = holding(planted);
    expect((await victim.login(DEMO.harry.username, DEMO.harry.password)).body.errors).toBeUndefined();
    expect(victim.cookie).not.toBe(planted);
    const mine = (await sessionsOf(victim)).find((s) => s.current) as SessionView;
    expect(plantedIds).not.toContain(mine.id);
    expect(await whoIs(planted)).toBeNull(); // the planted session ended with the new login
    expect(await whoIs(victim.cookie)).toBe("harry");

    const before = victim.cookie;
    await victim.login(DEMO.harry.username, DEMO.harry.password);
    expect(victim.cookie).not.toBe(before);
    expect(((await sessionsOf(victim)).find((s) => s.current) as SessionView).id).not.toBe(mine.id);
    expect(await whoIs(before)).toBeNull();
  });

  it("a role or house change is seen on the session's next request", async () => {
    const user = await createUser(app, "colin", "STUDENT", "GRYFFINDOR");
    const c = await signIn(user.username, user.password);
    expect(codes(await c.gql(AWARD))).toEqual(["FORBIDDEN"]);

    await app.db.prisma.user.update({ where: { id: user.id }, data: { role: "PROFESSOR" } });
    const promoted = await c.gql<{ awardPoints: { house: string } }>(AWARD);
    expect(promoted.body.errors).toBeUndefined();
    expect(promoted.body.data?.awardPoints.house).toBe("HUFFLEPUFF");

    await app.db.prisma.user.update({ where: { id: user.id }, data: { role: "STUDENT", house: "SLYTHERIN" } });
    expect(codes(await c.gql(AWARD))).toEqual(["FORBIDDEN"]);
    expect((await c.gql(ME)).body.data).toEqual({ me: { username: "colin", role: "STUDENT", house: "SLYTHERIN" } });
    // house rules follow too: a Slytherin now sees Slytherin emails, not Gryffindor ones
    const EMAIL = "query($h: House!) { students(house: $h, first: 1) { edges { node { email } } } }";
    expect((await c.gql(EMAIL, { h: "SLYTHERIN" })).body.errors).toBeUndefined();
    expect(codes(await c.gql(EMAIL, { h: "GRYFFINDOR" }))).toEqual(["FORBIDDEN"]);
  });

  it("deleting a user ends all their sessions and leaves no orphaned rows", async () => {
    const user = await createUser(app, "marcus", "STUDENT", "SLYTHERIN");
    const a = await signIn(user.username, user.password, "a");
    const b = await signIn(user.username, user.password, "b");
    expect(await rowsOf(user.id)).toBe(2);

    await app.db.prisma.user.delete({ where: { id: user.id } });
    expect(await whoIs(a.cookie)).toBeNull();
    expect(codes(await b.gql(SESSIONS))).toEqual(["UNAUTHENTICATED"]);
    expect(await rowsOf(user.id)).toBe(0);
    const [{ orphans }] = await app.db.prisma.$queryRaw<{ orphans: number }[]>`
      SELECT count(*)::int AS orphans FROM "Session" s LEFT JOIN "User" u ON u.id = s."userId" WHERE u.id IS NULL`;
    expect(orphans).toBe(0);
    // nor can one be made: the foreign key refuses a session for a user who does not exist
    await expect(app.db.prisma.session.create({ data: { id: randomUUID(), userId: user.id } })).rejects.toThrow();
  });
});
