// A subscription event is executed once per audience (role and house), not once per subscriber:
// subscribers of one document must still each see what their own role allows, and a document
// that selects a per-user field is answered per subscriber.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { type SseStream, subscribeSse, waitFor } from "../helpers/sse.js";
import { createUser } from "../helpers/users.js";
import { type Subscription, serveWithWebSocket, subscribeWs, type WsServer, wsClient } from "../helpers/ws.js";

const SUB = "subscription { pointsAwarded { house points reason awardedBy { username role } } }";
const AWARD = `mutation($r: String!) { awardPoints(house: HUFFLEPUFF, points: 2, reason: $r) { points } }`;

interface Event {
  data?: { pointsAwarded?: { reason: string; awardedBy: unknown } | null } | null;
  errors?: readonly { path?: readonly unknown[]; extensions?: Record<string, unknown> }[];
}

const seenBy = (event: Event) => ({
  reason: event.data?.pointsAwarded?.reason,
  awardedBy: event.data?.pointsAwarded?.awardedBy,
  errors: (event.errors ?? []).map((e) => [e.extensions?.code, e.path]),
});
const PROFESSOR_SEES = (reason: string) => ({
  reason,
  awardedBy: { username: "mcgonagall", role: "PROFESSOR" },
  errors: [],
});
const STUDENT_SEES = (reason: string) => ({
  reason,
  awardedBy: null,
  errors: [["FORBIDDEN", ["pointsAwarded", "awardedBy"]]],
});

describe.each(BACKENDS)("one execution per event and audience (%s)", (backend) => {
  let app: TestApp;
  let server: WsServer;
  let prof: TestClient;
  let harry: TestClient;
  let luna: TestClient;
  let snape: TestClient;

  beforeAll(async () => {
    app = await createTestApp(backend);
    server = await serveWithWebSocket(app);
    [prof, harry, luna] = [app.client(), app.client(), app.client()];
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    await luna.login(DEMO.luna.username, DEMO.luna.password);
    const other = await createUser(app, "snape", "PROFESSOR", null);
    snape = app.client();
    await snape.login(other.username, other.password);
  });
  afterAll(async () => {
    await server?.close();
    await app?.dispose();
  });

  // Whoever's execution runs first must not decide what the others see: both orders.
  it.each([
    ["the professor first", ["prof", "harry", "luna"]],
    ["the students first", ["harry", "luna", "prof"]],
  ])("over SSE, %s: the professor sees awardedBy, each student null and FORBIDDEN", async (_, order) => {
    const clients: Record<string, TestClient> = { prof, harry, luna };
    const streams: [string, SseStream][] = [];
    for (const name of order) streams.push([name, await subscribeSse(app, clients[name], SUB)]);
    await waitFor(() => app.live.size === 3);
    const reason = `Shared ${order[0]}`;
    await prof.gql(AWARD, { r: reason });
    for (const [name, stream] of streams) {
      const event = (await stream.next()).data as Event;
      expect(seenBy(event)).toEqual(name === "prof" ? PROFESSOR_SEES(reason) : STUDENT_SEES(reason));
    }
    for (const [, stream] of streams) await stream.close();
    await waitFor(() => app.live.size === 0);
  });

  it("mixes transports: a student over WebSocket and the professor over SSE on one document", async () => {
    const studentSocket = wsClient(server.url, harry.cookie);
    const student: Subscription = subscribeWs(studentSocket, SUB);
    await waitFor(() => app.live.size === 1);
    const professor = await subscribeSse(app, prof, SUB);
    await waitFor(() => app.live.size === 2);
    await prof.gql(AWARD, { r: "Mixed" });
    expect(seenBy((await student.next()) as Event)).toEqual(STUDENT_SEES("Mixed"));
    expect(seenBy((await professor.next()).data as Event)).toEqual(PROFESSOR_SEES("Mixed"));
    student.unsubscribe();
    await studentSocket.dispose();
    await professor.close();
    await waitFor(() => app.live.size === 0);
  });

  // email is the caller's own only: the awarding professor sees hers, another professor must not.
  it.each([
    ["the awarding professor first", ["mcgonagall", "snape"]],
    ["the other professor first", ["snape", "mcgonagall"]],
  ])("answers a document with a per-user field per subscriber, %s", async (_, order) => {
    const EMAIL = "subscription { pointsAwarded { reason awardedBy { username email } } }";
    const clients: Record<string, TestClient> = { mcgonagall: prof, snape };
    const streams: [string, SseStream][] = [];
    for (const name of order) streams.push([name, await subscribeSse(app, clients[name], EMAIL)]);
    await waitFor(() => app.live.size === 2);
    const reason = `Email ${order[0]}`;
    await prof.gql(AWARD, { r: reason });
    for (const [name, stream] of streams) {
      const event = (await stream.next()).data as Event;
      expect(seenBy(event)).toEqual(
        name === "mcgonagall"
          ? { reason, awardedBy: { username: "mcgonagall", email: "mcgonagall@hogwarts.test" }, errors: [] }
          : {
              reason,
              awardedBy: { username: "mcgonagall", email: null },
              errors: [["FORBIDDEN", ["pointsAwarded", "awardedBy", "email"]]],
            },
      );
    }
    for (const [, stream] of streams) await stream.close();
    await waitFor(() => app.live.size === 0);
  });
});
