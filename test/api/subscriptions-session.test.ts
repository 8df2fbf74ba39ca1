// Subscriptions end with their session: sign-outs, revocation, password change, the idle and
// absolute limits; and the per-session limit and the slow-consumer drop.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { readSse, type SseStream, subscribeSse, waitFor } from "../helpers/sse.js";

const SUB = "subscription { pointsAwarded { house points houseTotal } }";
const AWARD = `mutation($h: House!, $p: Int!) { awardPoints(house: $h, points: $p, reason: "Test") { points } }`;
const ME_SESSIONS = "{ mySessions { id current } }";
const IDLE = 3600;
const ABSOLUTE = 4 * 3600;

/** Expects the stream's next message to be its UNAUTHENTICATED end, then completion. */
async function expectEnded(stream: SseStream, code = "UNAUTHENTICATED"): Promise<void> {
  const last = await stream.next(2000);
  expect(last.data.data ?? null).toBeNull();
  expect(last.data.errors?.map((e) => e.extensions?.code)).toEqual([code]);
  expect((await stream.next(2000)).event).toBe("complete");
}

describe.each(BACKENDS)("subscriptions end with their session (%s)", (backend) => {
  let app: TestApp;
  let prof: TestClient;

  beforeAll(async () => {
    app = await createTestApp(backend, {
      SUBSCRIPTIONS_PER_SESSION: "2",
      SUBSCRIPTION_BUFFER: "3",
      SESSION_IDLE_TIMEOUT: String(IDLE),
      SESSION_ABSOLUTE_TIMEOUT: String(ABSOLUTE),
    });
    prof = app.client();
  });
  afterAll(() => app?.dispose());
  // Tests below move the clock past the limits, which ends this session too.
  beforeEach(async () => {
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
  });

  async function signedIn(user: keyof typeof DEMO = "harry"): Promise<TestClient> {
    const c = app.client();
    await c.login(DEMO[user].username, DEMO[user].password);
    return c;
  }

  async function open(client: TestClient): Promise<SseStream> {
    const before = app.live.size;
    const stream = await subscribeSse(app, client, SUB);
    await waitFor(() => app.live.size > before);
    return stream;
  }

  it("ends the stream at logout, and sends it nothing afterwards", async () => {
    const c = await signedIn();
    const stream = await open(c);
    await c.gql("mutation { logout }");
    await expectEnded(stream);
    await prof.gql(AWARD, { h: "GRYFFINDOR", p: 1 });
    expect(stream.seen.filter((m) => m.data.data?.pointsAwarded)).toEqual([]);
    expect(app.live.size).toBe(0);
  });

  it("ends a revoked session's stream and leaves the revoker's own open", async () => {
    const phone = await signedIn();
    const laptop = await signedIn();
    const phoneStream = await open(phone);
    const laptopStream = await open(laptop);
    const sessions = await laptop.gql<{ mySessions: { id: string; current: boolean }[] }>(ME_SESSIONS);
    const others = sessions.body.data?.mySessions.filter((s) => !s.current) ?? [];
    for (const s of others) await laptop.gql("mutation($id: ID!) { revokeSession(id: $id) }", { id: s.id });
    await expectEnded(phoneStream);
    await prof.gql(AWARD, { h: "HUFFLEPUFF", p: 2 });
    expect((await laptopStream.next()).data.data?.pointsAwarded).toMatchObject({ house: "HUFFLEPUFF", points: 2 });
    await laptop.gql("mutation { logout }");
    await expectEnded(laptopStream);
  });

  it("ends every stream of the user at logoutEverywhere", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const streams = [await open(a), await open(b), await open(b)];
    await a.gql("mutation { logoutEverywhere }");
    for (const s of streams) await expectEnded(s);
  });

  it("ends the streams opened with the old cookies at a password change", async () => {
    const other = await signedIn("luna");
    const current = await signedIn("luna");
    const otherStream = await open(other);
    const currentStream = await open(current);
    const changed = await current.gql(
      "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
      {
        c: DEMO.luna.password,
        n: "crumple-horned-snorkack-quibbler-1995",
      },
    );
    expect(changed.body).toEqual({ data: { changePassword: true } });
    await expectEnded(otherStream);
    await expectEnded(currentStream);
    // The rotated cookie subscribes again.
    const again = await open(current);
    await prof.gql(AWARD, { h: "RAVENCLAW", p: 3 });
    expect((await again.next()).data.data?.pointsAwarded).toMatchObject({ house: "RAVENCLAW", points: 3 });
    await again.close();
  });

  it("sends nothing past the idle limit: the next event ends the stream instead", async () => {
    const c = await signedIn();
    const stream = await open(c);
    app.clock.advance(IDLE);
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    await prof.gql(AWARD, { h: "SLYTHERIN", p: 4 });
    await expectEnded(stream);
    expect(stream.seen.filter((m) => m.data.data?.pointsAwarded)).toEqual([]);
  });

  it("ends the stream at the absolute limit even while the session is in use", async () => {
    const c = await signedIn();
    const stream = await open(c);
    const start = app.clock.now;
    // Used every half idle period, so only the absolute limit can end it.
    const step = Math.floor(IDLE / 2);
    while (app.clock.now - start + step < ABSOLUTE) {
      app.clock.advance(step);
      await c.gql("{ me { username } }");
      await app.live.recheckAll();
      expect(app.live.size).toBe(1);
    }
    app.clock.advance(ABSOLUTE - (app.clock.now - start));
    await app.live.recheckAll();
    await expectEnded(stream);
  });

  it("refuses a subscription past the per-session limit with LIMIT_EXCEEDED", async () => {
    const c = await signedIn();
    const one = await open(c);
    const two = await open(c);
    const three = await subscribeSse(app, c, SUB);
    const refused = await three.next();
    expect(refused.data.errors?.map((e) => e.extensions?.code)).toEqual(["LIMIT_EXCEEDED"]);
    expect(app.live.size).toBe(2);
    await one.close();
    await waitFor(() => app.live.size === 1);
    const four = await open(c);
    await Promise.all([two.close(), four.close()]);
    await waitFor(() => app.live.size === 0);
  });

  it("drops a subscriber that stops reading once its buffer is full", async () => {
    const c = await signedIn();
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", cookie: `session=${c.cookie}` },
      body: JSON.stringify({ query: SUB }),
    });
    await waitFor(() => app.live.size === 1);
    // Nobody reads the response: 3 events wait, the 4th drops the subscription.
    for (let i = 0; i < 4; i++) await prof.gql(AWARD, { h: "GRYFFINDOR", p: 1 });
    await waitFor(() => app.live.size === 0);
    const stream = readSse(response);
    await expectEnded(stream, "LIMIT_EXCEEDED");
  });

  it("ends 100 streams within 2 s of their logout, in-process events (delays printed)", async () => {
    const delays: number[] = [];
    for (let i = 0; i < 100; i++) {
      const c = await signedIn();
      const stream = await open(c);
      await c.gql("mutation { logout }");
      const loggedOut = performance.now();
      await expectEnded(stream);
      delays.push(performance.now() - loggedOut);
    }
    const sorted = [...delays].sort((x, y) => x - y);
    console.log(
      `revocation delay, in-process (${backend}): p50 ${sorted[49].toFixed(1)} ms, p99 ${sorted[98].toFixed(1)} ms`,
    );
    expect(sorted[99]).toBeLessThan(2000);
  }, 120_000);
});
