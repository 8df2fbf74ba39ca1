// `awardPoints`: professors only, bounded, and atomic under concurrency.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const AWARD = `mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { house points } }`;

describe.each(BACKENDS)("awardPoints (%s)", (backend) => {
  let app: TestApp;
  let prof: TestClient;
  beforeAll(async () => {
    app = await createTestApp(backend);
    prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
  });
  afterAll(() => app?.dispose());

  const total = async (house: "GRYFFINDOR" | "SLYTHERIN" | "RAVENCLAW") =>
    (await app.db.prisma.housePoints.findUniqueOrThrow({ where: { house } })).points;

  it("lets a professor award points, recorded in the ledger", async () => {
    const before = await total("RAVENCLAW");
    const res = await prof.gql(AWARD, { h: "RAVENCLAW", p: 10, r: "Clever answer" });
    expect(res.body).toEqual({ data: { awardPoints: { house: "RAVENCLAW", points: before + 10 } } });
    const ledger = await app.db.prisma.pointAward.findFirstOrThrow({ where: { reason: "Clever answer" } });
    expect(ledger).toMatchObject({ house: "RAVENCLAW", points: 10 });
    expect(ledger.awardedById).not.toBeNull();
  });

  it("refuses a student with FORBIDDEN and an anonymous caller with UNAUTHENTICATED, changing nothing", async () => {
    const before = await total("GRYFFINDOR");
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    expect(codes(await harry.gql(AWARD, { h: "GRYFFINDOR", p: 50, r: "Self-award" }))).toEqual(["FORBIDDEN"]);
    expect(codes(await app.client().gql(AWARD, { h: "GRYFFINDOR", p: 50, r: "x" }))).toEqual(["UNAUTHENTICATED"]);
    expect(await total("GRYFFINDOR")).toBe(before);
  });

  it("refuses out-of-range points and reasons with BAD_USER_INPUT, changing nothing", async () => {
    const before = await total("SLYTHERIN");
    const ledger = await app.db.prisma.pointAward.count();
    for (const [p, r] of [
      [0, "zero"],
      [101, "too many"],
      [-101, "too few"],
      [5, ""],
      [5, "   "],
      [5, "x".repeat(201)],
    ] as const) {
      expect(codes(await prof.gql(AWARD, { h: "SLYTHERIN", p, r }))).toEqual(["BAD_USER_INPUT"]);
    }
    expect((await prof.gql(AWARD, { h: "SLYTHERIN", p: 2 ** 40, r: "big" })).body.errors?.[0].message).toMatch(/Int/);
    expect(await total("SLYTHERIN")).toBe(before);
    expect(await app.db.prisma.pointAward.count()).toBe(ledger);
    const edge = await prof.gql(AWARD, { h: "SLYTHERIN", p: -100, r: "x".repeat(200) });
    expect(edge.body.errors).toBeUndefined();
  });

  it("says which argument is out of range, and records the reason trimmed, from one character", async () => {
    const refusal = async (p: number, r: string) =>
      (await prof.gql(AWARD, { h: "HUFFLEPUFF", p, r })).body.errors?.map((e) => [e.extensions?.argument, e.message]);
    expect(await refusal(0, "zero")).toEqual([["points", "points must be a non-zero whole number from -100 to 100"]]);
    for (const r of ["  ", "x".repeat(201), "nul\0byte"]) {
      expect(await refusal(1, r)).toEqual([["reason", "reason must be 1 to 200 characters"]]);
    }
    expect((await prof.gql(AWARD, { h: "HUFFLEPUFF", p: 1, r: "  y  " })).body.errors).toBeUndefined();
    const ledger = await app.db.prisma.pointAward.findFirstOrThrow({
      where: { house: "HUFFLEPUFF" },
      orderBy: { id: "desc" },
    });
    expect(ledger.reason).toBe("y");
  });

  it("counts 50 concurrent awards exactly", async () => {
    const before = await total("GRYFFINDOR");
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => prof.gql(AWARD, { h: "GRYFFINDOR", p: (i % 7) + 1, r: `award ${i}` })),
    );
    expect(results.every((r) => r.body.errors === undefined)).toBe(true);
    const expected = Array.from({ length: 50 }, (_, i) => (i % 7) + 1).reduce((a, b) => a + b, 0);
    expect(await total("GRYFFINDOR")).toBe(before + expected);
    const ledger = await app.db.prisma.pointAward.aggregate({ where: { house: "GRYFFINDOR" }, _sum: { points: true } });
    expect(ledger._sum.points).toBe(await total("GRYFFINDOR"));
  });
});
