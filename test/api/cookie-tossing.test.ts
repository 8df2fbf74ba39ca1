// Cookie tossing: two session cookies in one request are believed neither, and production
// names the cookie `__Host-session` so that no other host can set it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { codes, createTestApp, DEMO, type GraphQLResponse, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { LOGIN, raw } from "../helpers/http.js";
import { PRODUCTION } from "../helpers/production.js";

const ME = "{ me { username } }";
const STUDENTS = "{ students(house: GRYFFINDOR) { totalCount } }";
const GARBAGE = "Fe26.2*1*not-a-seal";

describe("the session cookie's name", () => {
  it("is __Host-session in production, session elsewhere, and SESSION_COOKIE_NAME overrides both", () => {
    expect(loadConfig(PRODUCTION).cookie).toMatchObject({ name: "__Host-session", secure: true });
    expect(loadConfig({}).cookie.name).toBe("session");
    expect(loadConfig({ NODE_ENV: "test" }).cookie.name).toBe("session");
    expect(loadConfig({ ...PRODUCTION, SESSION_COOKIE_NAME: "sid" }).cookie.name).toBe("sid");
    expect(loadConfig({ SESSION_COOKIE_NAME: "__Host-sid", SESSION_COOKIE_SECURE: "true" }).cookie.name).toBe(
      "__Host-sid",
    );
  });

  it("falls back to session in production when SESSION_COOKIE_SECURE=false (the prefix needs Secure)", () => {
    expect(loadConfig({ ...PRODUCTION, SESSION_COOKIE_SECURE: "false" }).cookie).toMatchObject({
      name: "session",
      secure: false,
    });
  });

  it.each(["__Host-session", "__Secure-session", "__host-x", "__SECURE-x"])(
    "refuses %s without Secure, naming both variables",
    (name) => {
      for (const env of [
        { SESSION_COOKIE_NAME: name },
        { ...PRODUCTION, SESSION_COOKIE_NAME: name, SESSION_COOKIE_SECURE: "false" },
      ]) {
        expect(() => loadConfig(env)).toThrow(ConfigError);
        expect(() => loadConfig(env)).toThrow(/SESSION_COOKIE_NAME=.* needs SESSION_COOKIE_SECURE=true/);
      }
    },
  );
});

/** A request through yoga.fetch carrying exactly this Cookie header. */
function withCookies(app: TestApp, query: string, cookie: string, variables?: Record<string, unknown>) {
  return raw(app, { query, variables }, { headers: { cookie } });
}

const anonymous = (me: GraphQLResponse, students: GraphQLResponse) => {
  expect(me.body).toEqual({ data: { me: null } });
  expect(codes(students)).toEqual(["UNAUTHENTICATED"]);
};

describe.each(BACKENDS)("two session cookies in one request (%s)", (backend) => {
  let app: TestApp;
  let harry: string;
  let luna: string;
  beforeAll(async () => {
    app = await createTestApp(backend);
    const h = app.client();
    await h.login(DEMO.harry.username, DEMO.harry.password);
    const l = app.client();
    await l.login(DEMO.luna.username, DEMO.luna.password);
    harry = h.cookie as string;
    luna = l.cookie as string;
  });
  afterAll(() => app?.dispose());

  it("each seal alone signs its own user in (the cases below are not anonymous by accident)", async () => {
    expect((await withCookies(app, ME, `session=${harry}`)).body).toEqual({ data: { me: { username: "harry" } } });
    expect((await withCookies(app, ME, `session=${luna}`)).body).toEqual({ data: { me: { username: "luna" } } });
  });

  const cases: [string, () => string][] = [
    ["both valid (victim's first)", () => `session=${harry}; session=${luna}`],
    ["both valid (attacker's first)", () => `session=${luna}; session=${harry}`],
    ["only the first valid", () => `session=${harry}; session=${GARBAGE}`],
    ["only the second valid", () => `other=1; session=${GARBAGE}; theme=dark; session=${harry}`],
    ["the same valid seal twice", () => `session=${harry}; session=${harry}`],
  ];

  it.each(cases)("is anonymous with %s, and expires only the shadowing path", async (_name, cookie) => {
    const me = await withCookies(app, ME, cookie());
    const students = await withCookies(app, STUDENTS, cookie());
    anonymous(me, students);
    // Ours on Path=/ is kept: expiring it would leave the planted one alone in the header.
    expect(me.headers.getSetCookie()).toEqual([
      "session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/graphql; HttpOnly; SameSite=Lax",
    ]);
    // Nothing was ended on the server: Harry's own cookie alone still works.
    expect((await withCookies(app, ME, `session=${harry}`)).body).toEqual({ data: { me: { username: "harry" } } });
  });

  it("logs in over a tossed cookie with a new Path=/ cookie, and stays anonymous while the tossed one is sent", async () => {
    const login = await withCookies(app, LOGIN, `session=${luna}; session=${harry}`, {
      u: DEMO.harry.username,
      p: DEMO.harry.password,
    });
    expect(login.body.data).toMatchObject({ login: { username: "harry" } });
    const [issued, shadow, ...rest] = login.headers.getSetCookie();
    expect(rest).toEqual([]);
    expect(issued).toMatch(/^session=Fe26\.2\*[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(shadow).toMatch(/^session=; Max-Age=0; .*; Path=\/graphql; /);
    const fresh = issued.slice("session=".length).split(";")[0];
    expect((await withCookies(app, ME, `session=${fresh}`)).body).toEqual({ data: { me: { username: "harry" } } });
    anonymous(
      await withCookies(app, ME, `session=${luna}; session=${fresh}`),
      await withCookies(app, STUDENTS, `session=${fresh}; session=${luna}`),
    );
  });
});
