// What the per-request session check costs, counted in SQL queries.
import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, SECRET, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const ME = "{ me { username } }";
const SESSION_TABLE = /"Session"/;
const USER_TABLE = /"User"/;

describe.each(BACKENDS)("what a request's session check costs (%s)", (backend) => {
  let app: TestApp;
  let harry: TestClient;
  beforeAll(async () => {
    app = await createTestApp(backend);
    harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
  });
  afterAll(() => app?.dispose());

  /** Runs `query` as a client holding `cookie`; returns the SQL it caused and the answer. */
  async function measure(cookie: string | null, query: string) {
    const c = app.client();
    c.cookie = cookie;
    app.queries.length = 0;
    const res = await c.gql(query);
    return { sql: [...app.queries], res, setCookie: c.lastSetCookie };
  }

  it("a signed-in request loads its session and user together in exactly one query", async () => {
    const { sql, res, setCookie } = await measure(harry.cookie, ME);
    expect(res.body).toEqual({ data: { me: { username: "harry" } } });
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(SESSION_TABLE);
    expect(sql[0]).toMatch(USER_TABLE);
    expect(sql[0]).toMatch(/^SELECT /);
    expect(setCookie).toEqual([]);
  });

  it("loads the session once however many fields of the request need the user", async () => {
    const query = `{
      me { username }
      mySessions { current }
      students(house: GRYFFINDOR, first: 2) { totalCount edges { node { name email } } }
      awards: students(house: RAVENCLAW, first: 1) { edges { node { email } } }
    }`;
    const { sql, res } = await measure(harry.cookie, query);
    expect(res.body.data).toMatchObject({ me: { username: "harry" } });
    const sessionAndUser = sql.filter((q) => SESSION_TABLE.test(q) && USER_TABLE.test(q));
    expect(sessionAndUser).toHaveLength(1);
    expect(sql.filter((q) => USER_TABLE.test(q))).toHaveLength(1);
  });

  it("an anonymous request without a cookie costs no query", async () => {
    const { sql, res } = await measure(null, ME);
    expect(res.body).toEqual({ data: { me: null } });
    expect(sql).toEqual([]);
  });

  it("garbage, tampered and foreign-secret cookies cost no query", async () => {
    const valid = harry.cookie as string;
    const i = valid.indexOf("*", 40) + 3;
    const tampered = valid.slice(0, i) + (valid[i] === "A" ? "B" : "A") + valid.slice(i + 1);
    const live = await app.db.prisma.session.findFirstOrThrow({ where: { user: { username: "harry" } } });
    const now = app.clock.now;
    const foreign = await sealData(
      { v: 1, sid: live.id, uid: live.userId, iat: now, rat: now },
      { password: "another-secret-that-is-also-32-chars-long", ttl: 3600 },
    );
    // sealed with our secret but claiming a login older than the absolute limit
    const ancient = await sealData(
      { v: 1, sid: live.id, uid: live.userId, iat: now - 8 * 24 * 3600, rat: now },
      { password: { 1: SECRET }, ttl: 3600 },
    );
    for (const cookie of ["garbage", "Fe26.2*1*a*b*c*d*e*f~2", tampered, valid.slice(0, -10), foreign, ancient]) {
      const { sql, res } = await measure(cookie, ME);
      expect(res.body).toEqual({ data: { me: null } });
      expect(sql).toEqual([]);
    }
    expect((await measure(valid, ME)).sql).toHaveLength(1); // the genuine one still works
  });

  it("a valid cookie costs its one session query even when every field is public; none or a bad one costs none", async () => {
    // The user is looked up before execution, so that scope checks never wait on a promise.
    const signedIn = await measure(harry.cookie, "{ houses { house points } }");
    expect(signedIn.res.body.errors).toBeUndefined();
    expect(signedIn.sql).toHaveLength(2);
    expect(signedIn.sql.filter((q) => SESSION_TABLE.test(q))).toHaveLength(1);
    expect(signedIn.sql.filter((q) => /"HousePoints"/.test(q))).toHaveLength(1);
    const anonymous = await measure(null, "{ houses { house points } }");
    expect(anonymous.res.body).toEqual(signedIn.res.body);
    expect(anonymous.sql).toHaveLength(1);
    expect(anonymous.sql[0]).toMatch(/"HousePoints"/);
    // A document that fails validation is refused before the lookup.
    const invalid = await measure(harry.cookie, "{ houses { nope } }");
    expect(invalid.res.body.errors?.[0]?.message).toMatch(/nope/);
    expect(invalid.sql).toEqual([]);
    // A cookie that does not open costs no query there either, and is cleared.
    const garbage = await measure("garbage", "{ houses { house points } }");
    expect(garbage.res.body).toEqual(signedIn.res.body);
    expect(garbage.sql).toEqual(anonymous.sql);
    expect(garbage.setCookie).toHaveLength(1);
    expect(garbage.setCookie[0]).toMatch(/^session=;.*Max-Age=0/i);
  });

  it("renewal adds one write, at most once per renew interval", async () => {
    app.clock.advance(300); // SESSION_RENEW_INTERVAL's default
    const renewal = await measure(harry.cookie, ME);
    expect(renewal.sql).toHaveLength(2);
    expect(renewal.sql[1]).toMatch(/^UPDATE "public"\."Session"/);
    expect(renewal.setCookie).toHaveLength(1);
    const next = await measure(harry.cookie, ME);
    expect(next.sql).toHaveLength(1);
    expect(next.setCookie).toEqual([]);
  });
});
