// pointsAwarded over Yoga's SSE (distinct connections): who receives what, PointAward as a node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { subscribeSse, waitFor } from "../helpers/sse.js";

const SUB = `subscription($h: House) { pointsAwarded(house: $h) { id house points reason createdAt houseTotal awardedBy { username } } }`;
const AWARD = `mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { house points } }`;

describe.each(BACKENDS)("pointsAwarded over SSE (%s)", (backend) => {
  let app: TestApp;
  let prof: TestClient;
  let harry: TestClient;

  beforeAll(async () => {
    app = await createTestApp(backend);
    prof = app.client();
    harry = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    await harry.login(DEMO.harry.username, DEMO.harry.password);
  });
  afterAll(() => app?.dispose());

  it("refuses an anonymous subscription with UNAUTHENTICATED before anything streams", async () => {
    const stream = await subscribeSse(app, null, SUB);
    const first = await stream.next();
    expect(first.event).toBe("next");
    expect(first.data.data ?? null).toBeNull();
    expect(first.data.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect((await stream.next()).event).toBe("complete");
    expect(app.live.size).toBe(0);
  });

  it("delivers each award to every matching subscriber with the total after it", async () => {
    const all = await subscribeSse(app, prof, SUB);
    const gryffindor = await subscribeSse(app, harry, SUB, { h: "GRYFFINDOR" });
    await waitFor(() => app.live.size === 2);
    const before = await prof.gql<{ houses: { house: string; points: number }[] }>("{ houses { house points } }");
    const total = (h: string) => before.body.data?.houses.find((x) => x.house === h)?.points ?? Number.NaN;

    await prof.gql(AWARD, { h: "SLYTHERIN", p: -5, r: "Cheating" });
    const award = await prof.gql(AWARD, { h: "GRYFFINDOR", p: 10, r: "Bravery" });
    expect(award.body.data).toEqual({ awardPoints: { house: "GRYFFINDOR", points: total("GRYFFINDOR") + 10 } });

    const a1 = await all.next();
    expect(a1.data.data?.pointsAwarded).toMatchObject({
      house: "SLYTHERIN",
      points: -5,
      reason: "Cheating",
      houseTotal: total("SLYTHERIN") - 5,
      awardedBy: { username: "mcgonagall" },
    });
    expect((await all.next()).data.data?.pointsAwarded).toMatchObject({
      house: "GRYFFINDOR",
      houseTotal: total("GRYFFINDOR") + 10,
    });

    // The student sees only Gryffindor, and not who gave the points (checked per event).
    const g = await gryffindor.next();
    expect(g.data.data?.pointsAwarded).toMatchObject({ house: "GRYFFINDOR", points: 10, awardedBy: null });
    expect(g.data.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown }).path])).toEqual([
      ["FORBIDDEN", ["pointsAwarded", "awardedBy"]],
    ]);
    await all.close();
    await gryffindor.close();
    await waitFor(() => app.live.size === 0);
  });

  it("reads a PointAward back through node(id) by the same rules", async () => {
    const stream = await subscribeSse(app, harry, SUB);
    await waitFor(() => app.live.size === 1);
    await prof.gql(AWARD, { h: "RAVENCLAW", p: 3, r: "Wit" });
    const event = (await stream.next()).data.data?.pointsAwarded as {
      id: string;
      houseTotal: number;
      createdAt: string;
    };
    await stream.close();
    const NODE = `query($id: ID!) { node(id: $id) { id ... on PointAward { house points reason createdAt houseTotal awardedBy { username } } } }`;
    const asProf = await prof.gql(NODE, { id: event.id });
    expect(asProf.body).toEqual({
      data: {
        node: {
          id: event.id,
          house: "RAVENCLAW",
          points: 3,
          reason: "Wit",
          createdAt: event.createdAt,
          houseTotal: event.houseTotal,
          awardedBy: { username: "mcgonagall" },
        },
      },
    });
    const asStudent = await harry.gql(NODE, { id: event.id });
    expect(asStudent.body.data?.node).toMatchObject({ id: event.id, houseTotal: event.houseTotal, awardedBy: null });
    expect(codes(asStudent)).toEqual(["FORBIDDEN"]);
    const anonymous = await app.client().gql(NODE, { id: event.id });
    expect(anonymous.body.data?.node ?? null).toBeNull();
    expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses a subscription sent as a cross-site form post (CSRF rules apply to SSE)", async () => {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/event-stream",
        cookie: `session=${harry.cookie}`,
      },
      body: new URLSearchParams({ query: SUB }).toString(),
    });
    expect(response.status).toBe(403);
    expect(app.live.size).toBe(0);
  });
});
