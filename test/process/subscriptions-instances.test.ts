// Subscriptions across two server processes sharing PostgreSQL and Redis: awards and sign-outs on
// one instance reach the streams of the other; the revocation delay is measured on both paths.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { addUser, baseEnv, type HttpClient, httpClient, run, type Server, startServer } from "../helpers/process.js";
import { readSse } from "../helpers/sse.js";
import { subscribeWs, wsClient } from "../helpers/ws.js";

const SUB = "subscription($h: House) { pointsAwarded(house: $h) { house points houseTotal awardedBy { username } } }";
const AWARD = `mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { points } }`;
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const PROF = { username: "flitwick", password: "wingardium-leviosa-not-leviosar", role: "PROFESSOR" as const };
const STUDENT = {
  username: "neville",
  password: "mimbulus-mimbletonia-remembrall",
  role: "STUDENT" as const,
  house: "GRYFFINDOR",
};
/** A second professor, whose role `npm run user:update` changes. */
const SPROUT = { username: "sprout", password: "mandrakes-need-earmuffs-42", role: "PROFESSOR" as const };
const ROUNDS = 100;
// NODE_ENV=production: the cookie carries the __Host- prefix.
const COOKIE = "__Host-session";

/** The p-th percentile (0..100) of `values`, nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe("subscriptions on two instances with Redis", () => {
  let db: TestDatabase;
  let a: Server;
  let b: Server;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    env = {
      ...db.env,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `hogwarts:subscriptions-test:${process.pid}:${Date.now()}:`,
      MIGRATE_ON_START: "true",
      SEED_ON_START: "true",
      CORS_ORIGINS: "https://app.example.com",
      SUBSCRIPTIONS_PER_SESSION: "5",
    };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
    await addUser(db.url as string, PROF);
    await addUser(db.url as string, STUDENT);
    await addUser(db.url as string, SPROUT);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  async function login(server: Server, user: { username: string; password: string }): Promise<HttpClient> {
    const c = httpClient();
    const res = await c.gql(server.url, LOGIN, { u: user.username, p: user.password });
    expect(res.body.data).toEqual({ login: { username: user.username } });
    return c;
  }
  const wsUrl = (server: Server) => `ws://127.0.0.1:${server.port}/graphql`;

  it("delivers an award made on one instance to WebSocket and SSE subscribers on both", async () => {
    const prof = await login(a, PROF);
    const student = await login(b, STUDENT);
    const client = wsClient(wsUrl(b), student.cookie, {}, COOKIE);
    const onB = subscribeWs(client, SUB, { h: "GRYFFINDOR" });
    const sse = readSse(
      await fetch(`${a.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          cookie: `${COOKIE}=${prof.cookie}`,
        },
        body: JSON.stringify({ query: SUB }),
      }),
    );
    expect(sse.status).toBe(200);
    // Wait until both streams are registered: an award then must reach them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const award = await prof.gql(a.url, AWARD, { h: "GRYFFINDOR", p: 9, r: "Herbology" });
    expect(award.body.errors).toBeUndefined();
    const fromB = await onB.next();
    expect(fromB.data?.pointsAwarded).toMatchObject({ house: "GRYFFINDOR", points: 9, awardedBy: null });
    expect(fromB.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    const fromA = await sse.next();
    expect(fromA.data.data?.pointsAwarded).toMatchObject({
      house: "GRYFFINDOR",
      points: 9,
      awardedBy: { username: PROF.username },
    });
    await sse.close();
    await client.dispose();
  });

  it("refuses a WebSocket upgrade from a foreign origin with 403 on the real server", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(a), "graphql-transport-ws", { headers: { origin: "https://evil.example" } });
      socket.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.once("open", () => resolve(101));
      socket.once("error", reject);
    });
    expect(status).toBe(403);
  });

  async function revocationDelays(subscribeOn: Server, logoutOn: Server): Promise<number[]> {
    const prof = await login(logoutOn, PROF);
    const delays: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const c = await login(subscribeOn, STUDENT);
      const client = wsClient(wsUrl(subscribeOn), c.cookie, {}, COOKIE);
      const sub = subscribeWs(client, SUB, { h: "SLYTHERIN" });
      // Awards until one arrives: the subscription is then signed in and registered.
      for (let k = 0; ; k++) {
        await prof.gql(logoutOn.url, AWARD, { h: "SLYTHERIN", p: 1, r: `round ${i}` });
        const seen = await sub.next(300).catch(() => null);
        if (seen) {
          expect(seen.data?.pointsAwarded).toMatchObject({ house: "SLYTHERIN", points: 1 });
          break;
        }
        if (k === 20) throw new Error("the subscription never received an award");
      }
      const out = await c.gql(logoutOn.url, "mutation { logout }");
      const loggedOut = performance.now();
      expect(out.body.data).toEqual({ logout: true });
      // A late award may still be in flight; the end is the first result with errors.
      let last = await sub.next(2000);
      while (!last.errors) last = await sub.next(2000);
      delays.push(performance.now() - loggedOut);
      expect(last.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      await client.dispose();
    }
    return delays;
  }

  it(`ends streams within 2 s of a logout on the same instance (${ROUNDS} rounds)`, async () => {
    const delays = await revocationDelays(a, a);
    console.log(
      `revocation delay, one instance: p50 ${percentile(delays, 50).toFixed(1)} ms, p99 ${percentile(delays, 99).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms`,
    );
    expect(Math.max(...delays)).toBeLessThan(2000);
  }, 120_000);

  it(`ends streams within 2 s of a logout on the other instance (${ROUNDS} rounds)`, async () => {
    const delays = await revocationDelays(b, a);
    console.log(
      `revocation delay, across instances: p50 ${percentile(delays, 50).toFixed(1)} ms, p99 ${percentile(delays, 99).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms`,
    );
    expect(Math.max(...delays)).toBeLessThan(2000);
  }, 120_000);

  it("ends the streams of sessions ended by `npm run sessions:end` on a running instance", async () => {
    const student = await login(b, STUDENT);
    const client = wsClient(wsUrl(b), student.cookie, {}, COOKIE);
    const sub = subscribeWs(client, SUB);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const script = run("scripts/sessions-end.ts", baseEnv(env), ["--username", STUDENT.username]);
    expect((await script.exited).code).toBe(0);
    const last = await sub.next(2000);
    expect(last.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    await client.dispose();
  });

  it("ends a professor's streams on both instances when `npm run user:update` demotes her", async () => {
    const prof = await login(a, PROF);
    const sprout = await login(a, SPROUT);
    const clients = [a, b].map((server) => wsClient(wsUrl(server), sprout.cookie, {}, COOKIE));
    const subs = clients.map((client) => subscribeWs(client, SUB, { h: "HUFFLEPUFF" }));
    // Awards until each stream has one: both are registered, and show the professor's view.
    for (const sub of subs) {
      for (let k = 0; ; k++) {
        await prof.gql(a.url, AWARD, { h: "HUFFLEPUFF", p: 1, r: "before" });
        const seen = await sub.next(300).catch(() => null);
        if (seen) {
          expect(seen.data?.pointsAwarded).toMatchObject({ awardedBy: { username: PROF.username } });
          break;
        }
        if (k === 20) throw new Error("the subscription never received an award");
      }
    }
    const script = run("scripts/user-update.ts", baseEnv(env), [
      "--username",
      "Sprout",
      "--role",
      "student",
      "--house",
      "HUFFLEPUFF",
    ]);
    expect(await script.exited).toEqual({ code: 0, signal: null });
    expect(script.stdout()).toBe('Changed "sprout" from PROFESSOR (no house) to STUDENT (HUFFLEPUFF).\n');
    for (const sub of subs) {
      // a late award may still be in flight; the end is the first result with errors
      let last = await sub.next(2000);
      while (!last.errors) last = await sub.next(2000);
      expect(last.errors.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
      await sub.done;
    }
    // the same session subscribes again and now gets a student's view
    const again = subscribeWs(clients[1], SUB, { h: "HUFFLEPUFF" });
    for (let k = 0; ; k++) {
      await prof.gql(a.url, AWARD, { h: "HUFFLEPUFF", p: 1, r: "after" });
      const seen = await again.next(300).catch(() => null);
      if (seen) {
        expect(seen.data?.pointsAwarded).toMatchObject({ awardedBy: null });
        expect(seen.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
        break;
      }
      if (k === 20) throw new Error("the new subscription never received an award");
    }
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it("shuts down promptly with subscriptions open: streams end, exit code 0", async () => {
    const student = await login(a, STUDENT);
    const client = wsClient(wsUrl(a), student.cookie, {}, COOKIE);
    const ws = subscribeWs(client, SUB);
    const sse = readSse(
      await fetch(`${a.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          cookie: `${COOKIE}=${student.cookie}`,
        },
        body: JSON.stringify({ query: SUB }),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = performance.now();
    const exit = await a.stop("SIGTERM");
    expect(exit.code).toBe(0);
    // Well inside SHUTDOWN_TIMEOUT_MS (10 s): open streams did not hold the server up.
    expect(performance.now() - started).toBeLessThan(5000);
    await ws.done;
    expect(sse.seen.at(-1)?.event).toBe("complete");
    await client.dispose();
  });
});
