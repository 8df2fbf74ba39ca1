// Named hostile inputs: each a clear BAD_USER_INPUT or validation error, and nothing changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { LOGIN, raw } from "../helpers/http.js";

const AWARD =
  "mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { points } }";
const STUDENTS = "query($h: House!, $n: Int) { students(house: $h, first: $n) { totalCount } }";

describe.each(BACKENDS)("named hostile inputs (%s)", (backend) => {
  let app: TestApp;
  let harry: TestClient;
  let prof: TestClient;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
    harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
  });
  afterAll(() => app?.dispose());

  async function state() {
    const { prisma } = app.db;
    return {
      points: await prisma.housePoints.findMany({ orderBy: { house: "asc" } }),
      awards: await prisma.pointAward.count(),
      sessions: await prisma.session.count(),
    };
  }

  /** The one error's message and code; asserts no data and no new cookie. */
  function single(res: Awaited<ReturnType<TestClient["gql"]>>) {
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors).toHaveLength(1);
    expect(res.headers.getSetCookie()).toEqual([]);
    const [error] = res.body.errors ?? [];
    return { message: error.message, code: error.extensions?.code };
  }

  it("refuses a 1 MB password: 413 at the default body cap, never hashed", async () => {
    const before = await state();
    const res = await raw(app, { query: LOGIN, variables: { u: "harry", p: "p".repeat(1_000_000) } });
    expect(res.status).toBe(413);
    expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
    // just under the cap it reaches login, which refuses it by length
    const big = await app.client().login("harry", "p".repeat(90_000));
    expect(single(big)).toEqual({ message: "password must be at most 256 characters", code: "BAD_USER_INPUT" });
    expect(await state()).toEqual(before);
  });

  it("refuses usernames with NUL bytes, controls, bidi overrides, zero-width characters and emoji", async () => {
    const before = await state();
    for (const username of [
      "har\u0000ry",
      "harry\u0000",
      "\u0000",
      "har\nry",
      "\u202Eyrrah",
      "har\u200Bry",
      "🧙",
      "",
      " ",
      "x".repeat(65),
    ]) {
      const res = await app.client().login(username, "some-password");
      expect(single(res), JSON.stringify(username)).toEqual({
        message: "username must be 1 to 64 letters, digits, '.', '_' or '-'",
        code: "BAD_USER_INPUT",
      });
    }
    expect(await state()).toEqual(before);
  });

  it("treats unicode usernames as names: unknown ones are INVALID_CREDENTIALS, compatibility forms fold", async () => {
    expect(codes(await app.client().login("hárry", DEMO.harry.password))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await app.client().login("гарри", DEMO.harry.password))).toEqual(["INVALID_CREDENTIALS"]);
    // 64 characters is still a name (65 is refused above)
    expect(codes(await app.client().login("x".repeat(64), DEMO.harry.password))).toEqual(["INVALID_CREDENTIALS"]);
    // fullwidth letters are the same name under NFKC, as stored
    expect(codes(await app.client().login("ｈａｒｒｙ", DEMO.harry.password))).toEqual([]);
  });

  it("refuses wrong JSON types for arguments as variable errors", async () => {
    const before = await state();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [LOGIN, { u: 5, p: "x" }, /^Variable "\$u" got invalid value 5; String cannot represent a non string value: 5$/],
      [LOGIN, { u: "harry", p: null }, /^Variable "\$p" of non-null type "String!" must not be null\.$/],
      [LOGIN, { u: ["harry"], p: "x" }, /^Variable "\$u" got invalid value \["harry"\]/],
      [LOGIN, { u: { $ne: null }, p: "x" }, /^Variable "\$u" got invalid value \{ \$ne: null \}/],
      [
        STUDENTS,
        { h: "GRYFFINDOR", n: "10" },
        /^Variable "\$n" got invalid value "10"; Int cannot represent non-integer value: "10"$/,
      ],
      [
        STUDENTS,
        { h: "GRYFFINDOR", n: 1.5 },
        /^Variable "\$n" got invalid value 1\.5; Int cannot represent non-integer value: 1\.5$/,
      ],
      [
        AWARD,
        { h: "SLYTHERIN", p: true, r: "x" },
        /^Variable "\$p" got invalid value true; Int cannot represent non-integer value: true$/,
      ],
    ];
    for (const [query, variables, message] of cases) {
      const res = await prof.gql(query, variables);
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(single(res).message).toMatch(message);
    }
    expect(await state()).toEqual(before);
  });

  it("refuses invalid enum values, in variables and inline", async () => {
    const before = await state();
    for (const h of ["MUGGLE", "gryffindor", "", "GRYFFINDOR; DROP TABLE", 0]) {
      const res = await prof.gql(AWARD, { h, p: 5, r: "x" });
      expect(res.status).toBe(400);
      expect(single(res).message).toMatch(
        /^Variable "\$h" got invalid value .*; Value .* does not exist in "House" enum\.|Enum "House" cannot represent non-string value/,
      );
    }
    const inline = await prof.gql('mutation { awardPoints(house: MUGGLE, points: 5, reason: "x") { points } }');
    expect(inline.body.errors?.[0].message).toMatch(/^Value "MUGGLE" does not exist in "House" enum\./);
    expect(inline.body.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await state()).toEqual(before);
  });

  it("refuses a huge or negative `first`", async () => {
    for (const n of [101, 1_000_000, -1]) {
      expect(single(await harry.gql(STUDENTS, { h: "GRYFFINDOR", n }))).toEqual({
        message: "first must be from 0 to 100",
        code: "BAD_USER_INPUT",
      });
    }
    // past 32 bits it is not an Int at all
    for (const n of [2 ** 31, 1e100]) {
      const res = await harry.gql(STUDENTS, { h: "GRYFFINDOR", n });
      expect(single(res).message).toMatch(
        /^Variable "\$n" got invalid value .*; Int cannot represent non 32-bit signed integer value/,
      );
    }
  });

  it("refuses negative points beyond -100, zero and oversize amounts, changing nothing", async () => {
    const before = await state();
    for (const p of [-101, -1_000_000, 0, 101, -2147483648]) {
      expect(single(await prof.gql(AWARD, { h: "SLYTHERIN", p, r: "attack" }))).toEqual({
        message: "points must be a non-zero whole number from -100 to 100",
        code: "BAD_USER_INPUT",
      });
    }
    expect(await state()).toEqual(before);
    // within the range a negative award is allowed (the contract takes points away too)
    expect((await prof.gql(AWARD, { h: "SLYTHERIN", p: -5, r: "detention" })).body.errors).toBeUndefined();
  });
});
