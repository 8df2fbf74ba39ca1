// A role or house change ends the user's open subscriptions with FORBIDDEN: a stream must not keep
// showing what the old role allowed (a demoted professor must stop seeing `awardedBy`).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { type SseStream, subscribeSse, waitFor } from "../helpers/sse.js";

const SUB = "subscription { pointsAwarded { house points awardedBy { username } } }";
const AWARD = `mutation($h: House!, $p: Int!) { awardPoints(house: $h, points: $p, reason: "Access test") { points } }`;
const ME = "{ me { username role house } }";

describe.each(BACKENDS)("subscriptions end when the user's role or house changes (%s)", (backend) => {
  let app: TestApp;
  let mcgonagall: TestClient;
  let lunaId: string;
  let harryId: string;

  beforeAll(async () => {
    app = await createTestApp(backend);
    mcgonagall = app.client();
    await mcgonagall.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    lunaId = (await app.users.idOf("luna")) as string;
    harryId = (await app.users.idOf("harry")) as string;
  });
  afterAll(() => app?.dispose());
  // Luna starts each test as a second professor (written directly: nothing is open yet).
  beforeEach(async () => {
    await app.db.prisma.user.update({ where: { id: lunaId }, data: { role: "PROFESSOR", house: "RAVENCLAW" } });
    await app.db.prisma.user.update({ where: { id: harryId }, data: { role: "STUDENT", house: "GRYFFINDOR" } });
  });

  async function signedIn(user: keyof typeof DEMO): Promise<TestClient> {
    const c = app.client();
    expect((await c.login(DEMO[user].username, DEMO[user].password)).body.errors).toBeUndefined();
    return c;
  }

  async function open(client: TestClient): Promise<SseStream> {
    const before = app.live.size;
    const stream = await subscribeSse(app, client, SUB);
    expect(stream.status).toBe(200);
    await waitFor(() => app.live.size > before);
    return stream;
  }

  async function expectForbiddenEnd(stream: SseStream): Promise<void> {
    const last = await stream.next(2000);
    expect(last.data.data ?? null).toBeNull();
    expect(last.data.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ["FORBIDDEN", "Your role or house changed: subscribe again for what it now allows."],
    ]);
    expect((await stream.next(2000)).event).toBe("complete");
  }

  it("ends a demoted professor's streams, not others'; her next stream shows a student's view", async () => {
    const luna = await signedIn("luna");
    const harry = await signedIn("harry");
    const lunaStream = await open(luna);
    const harryStream = await open(harry);
    await mcgonagall.gql(AWARD, { h: "RAVENCLAW", p: 1 });
    expect((await lunaStream.next()).data.data?.pointsAwarded).toMatchObject({
      awardedBy: { username: "mcgonagall" },
    });
    await harryStream.next();

    await app.users.setAccess(lunaId, { role: "STUDENT", house: "RAVENCLAW" });
    await expectForbiddenEnd(lunaStream);
    expect(app.live.size).toBe(1);

    // The session lives on with the new role; a new stream gets null and FORBIDDEN for awardedBy.
    expect((await luna.gql(ME)).body.data).toEqual({ me: { username: "luna", role: "STUDENT", house: "RAVENCLAW" } });
    const again = await open(luna);
    await mcgonagall.gql(AWARD, { h: "RAVENCLAW", p: 2 });
    for (const stream of [again, harryStream]) {
      const seen = await stream.next();
      expect(seen.data.data?.pointsAwarded).toEqual({ house: "RAVENCLAW", points: 2, awardedBy: null });
      expect(seen.data.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    }
    await Promise.all([again.close(), harryStream.close()]);
    await waitFor(() => app.live.size === 0);
  });

  it("ends a stream when only the house changes, and not when nothing does", async () => {
    const harry = await signedIn("harry");
    const stream = await open(harry);
    await app.users.setAccess(harryId, { role: "STUDENT", house: "GRYFFINDOR" });
    await mcgonagall.gql(AWARD, { h: "HUFFLEPUFF", p: 3 });
    expect((await stream.next()).data.data?.pointsAwarded).toMatchObject({ house: "HUFFLEPUFF", points: 3 });
    await app.users.setAccess(harryId, { role: "STUDENT", house: "HUFFLEPUFF" });
    await expectForbiddenEnd(stream);
    await waitFor(() => app.live.size === 0);
  });

  it("ends the stream at its session re-check when the change was not announced (no Redis to the changer)", async () => {
    const luna = await signedIn("luna");
    const stream = await open(luna);
    // as `npm run user:update` without REDIS_URL: the row changes, no event reaches this instance
    await app.db.prisma.user.update({ where: { id: lunaId }, data: { role: "STUDENT" } });
    await app.live.recheckAll();
    await expectForbiddenEnd(stream);
    expect((await luna.gql(ME)).body.data).toEqual({ me: { username: "luna", role: "STUDENT", house: "RAVENCLAW" } });
  });
});
