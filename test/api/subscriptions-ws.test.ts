// pointsAwarded over WebSocket (graphql-ws) on the HTTP port: cookie auth, origin check, protocol errors.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { waitFor } from "../helpers/sse.js";
import { serveWithWebSocket, subscribeWs, type WsServer, wsClient } from "../helpers/ws.js";

const SUB = "subscription($h: House) { pointsAwarded(house: $h) { house points houseTotal awardedBy { username } } }";
const AWARD = `mutation($h: House!, $p: Int!) { awardPoints(house: $h, points: $p, reason: "Test") { points } }`;
const FRONT_END = "https://app.example.com";
const ONLY_SUBSCRIPTIONS = "Only subscriptions are served over WebSocket; send queries and mutations over HTTP.";

/** Opens a raw graphql-transport-ws socket; resolves once open, or with the refusal status. */
function raw(url: string, headers: Record<string, string> = {}): Promise<WebSocket | { status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.once("error", reject);
  });
}

/** The close code and reason the server ends `socket` with, after sending `messages`. */
function closeAfter(
  socket: WebSocket,
  messages: string[],
): Promise<{ code: number; reason: string; received: string[] }> {
  const received: string[] = [];
  socket.on("message", (data) => received.push(String(data)));
  return new Promise((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: String(reason), received }));
    for (const m of messages) socket.send(m);
  });
}

describe.each(BACKENDS)("pointsAwarded over WebSocket (%s)", (backend) => {
  let app: TestApp;
  let server: WsServer;
  let prof: TestClient;
  let harry: TestClient;

  beforeAll(async () => {
    app = await createTestApp(backend, { CORS_ORIGINS: FRONT_END, MAX_BODY_BYTES: "2000" });
    server = await serveWithWebSocket(app);
    prof = app.client();
    harry = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    await harry.login(DEMO.harry.username, DEMO.harry.password);
  });
  afterAll(async () => {
    await server?.close();
    await app?.dispose();
  });

  it("delivers awards to a cookie-authenticated socket, awardedBy for professors only", async () => {
    const profClient = wsClient(server.url, prof.cookie);
    const harryClient = wsClient(server.url, harry.cookie, { origin: `http://127.0.0.1:${server.port}` });
    const all = subscribeWs(profClient, SUB);
    const gryffindor = subscribeWs(harryClient, SUB, { h: "GRYFFINDOR" });
    await waitFor(() => app.live.size === 2);
    await prof.gql(AWARD, { h: "HUFFLEPUFF", p: 7 });
    await prof.gql(AWARD, { h: "GRYFFINDOR", p: 5 });
    expect((await all.next()).data?.pointsAwarded).toMatchObject({
      house: "HUFFLEPUFF",
      points: 7,
      awardedBy: { username: "mcgonagall" },
    });
    expect((await all.next()).data?.pointsAwarded).toMatchObject({ house: "GRYFFINDOR", points: 5 });
    const g = await gryffindor.next();
    expect(g.data?.pointsAwarded).toMatchObject({ house: "GRYFFINDOR", points: 5, awardedBy: null });
    expect(g.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    await Promise.all([profClient.dispose(), harryClient.dispose()]);
    await waitFor(() => app.live.size === 0);
  });

  it("answers a socket without a session with UNAUTHENTICATED before anything streams", async () => {
    const client = wsClient(server.url, null);
    const sub = subscribeWs(client, SUB);
    const first = await sub.next();
    expect(first.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    await sub.done;
    expect(app.live.size).toBe(0);
    await client.dispose();
  });

  it("ends the subscription with UNAUTHENTICATED when the session logs out over HTTP", async () => {
    const c = app.client();
    await c.login(DEMO.harry.username, DEMO.harry.password);
    const client = wsClient(server.url, c.cookie);
    const sub = subscribeWs(client, SUB);
    await waitFor(() => app.live.size === 1);
    await c.gql("mutation { logout }");
    const last = await sub.next(2000);
    expect(last.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    await sub.done;
    await client.dispose();
  });

  it("refuses queries and mutations over the socket: cookies cannot be set there", async () => {
    const client = wsClient(server.url, harry.cookie);
    const sub = subscribeWs(client, "mutation { logout }");
    const refusal = await sub.next();
    expect(refusal.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_REQUEST"]);
    expect((await harry.gql("{ me { username } }")).body.data).toEqual({ me: { username: "harry" } });
    const query = await subscribeWs(client, "{ houses { house } }").next();
    expect(query).toEqual({ errors: [{ message: ONLY_SUBSCRIPTIONS, extensions: { code: "BAD_REQUEST" } }] });
    await client.dispose();
  });

  it("serves an upgrade that names no Host (the request is read as localhost's)", async () => {
    const socket = new WebSocket(server.url, "graphql-transport-ws", { setHost: false } as WebSocket.ClientOptions);
    const received: string[] = [];
    const arrived = (count: number) => waitFor(() => received.length >= count);
    socket.on("message", (data) => received.push(String(data)));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    await arrived(1);
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ houses { house } }" } }));
    await arrived(3);
    expect(received.map((m) => JSON.parse(m))).toEqual([
      { type: "connection_ack" },
      {
        id: "1",
        type: "next",
        payload: { errors: [{ message: ONLY_SUBSCRIPTIONS, extensions: { code: "BAD_REQUEST" } }] },
      },
      { id: "1", type: "complete" },
    ]);
    socket.close();
  });

  it("refuses an upgrade from a foreign Origin with 403 before any message", async () => {
    const refused = await raw(server.url, { origin: "https://evil.example", cookie: `session=${harry.cookie}` });
    expect(refused).toEqual({ status: 403 });
    // an opaque origin (a sandboxed frame, a file:// page) is no origin of ours either
    expect(await raw(server.url, { origin: "null" })).toEqual({ status: 403 });
    for (const origin of [FRONT_END, `http://127.0.0.1:${server.port}`]) {
      const ok = await raw(server.url, { origin });
      expect(ok).toBeInstanceOf(WebSocket);
      (ok as WebSocket).close();
    }
    expect(await raw(server.url.replace("/graphql", "/elsewhere"))).toEqual({ status: 404 });
  });

  it("closes bad protocol input with graphql-ws's own codes and keeps serving", async () => {
    const init = JSON.stringify({ type: "connection_init" });
    const subscribe = JSON.stringify({ id: "1", type: "subscribe", payload: { query: SUB } });
    const cases: [string[], number][] = [
      [["{not json"], 4400],
      [[JSON.stringify({ type: "no_such_type" })], 4400],
      [[init, init], 4429],
      [[subscribe], 4401],
      [[init, JSON.stringify({ id: "1", type: "subscribe", payload: { query: "x".repeat(5000) } })], 1009],
    ];
    for (const [messages, code] of cases) {
      const socket = (await raw(server.url, { cookie: `session=${harry.cookie}` })) as WebSocket;
      const closed = await closeAfter(socket, messages);
      expect([messages[messages.length - 1].slice(0, 40), closed.code]).toEqual([
        messages[messages.length - 1].slice(0, 40),
        code,
      ]);
      expect(closed.reason).not.toMatch(/at |\.ts|Error:/);
    }
    expect(app.live.size).toBe(0);
    expect((await harry.gql("{ me { username } }")).body.data).toEqual({ me: { username: "harry" } });
  });
});
