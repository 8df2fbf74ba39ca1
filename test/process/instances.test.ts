// Two server processes on one PostgreSQL database and one Redis: any instance serves any
// session, sign-outs are seen everywhere at once, and concurrent awards all count.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { addUser, httpClient, type Server, startServer } from "../helpers/process.js";

const ME = "{ me { username } }";
const AWARD = `mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { points } }`;
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const PROF = { username: "sprout", password: "mandrakes-need-earmuffs", role: "PROFESSOR" as const };

describe("several instances on one PostgreSQL database and Redis", () => {
  let db: TestDatabase;
  let url: string;
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    url = db.url as string;
    // Both start at once on an empty database and both migrate: the engine's lock serialises them.
    const env = {
      ...db.env,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `hogwarts:instances-test:${process.pid}:${Date.now()}:`,
      LOGIN_MAX_FAILURES_PER_USER: "5",
      MIGRATE_ON_START: "true",
      SEED_ON_START: "true",
      // 200 awards queue on one house row and on 10 pooled connections per instance; on a
      // shared two-core machine the last ones may wait past the 5 s default. The timeout
      // itself is tested in outage.test.ts.
      DB_TIMEOUT_MS: "30000",
    };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
    await addUser(url, PROF);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  const login = async (server: Server) => {
    const c = httpClient();
    const res = await c.gql(server.url, LOGIN, { u: PROF.username, p: PROF.password });
    expect(res.body.data).toEqual({ login: { username: PROF.username } });
    expect(c.cookie).toBeTruthy();
    return c;
  };

  it("runs on two ports with the migrations applied exactly once", async () => {
    expect(a.port).not.toBe(b.port);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT migration_name, finished_at FROM _prisma_migrations");
    await client.end();
    expect(new Set(rows.map((r) => r.migration_name)).size).toBe(rows.length);
    expect(rows.every((r) => r.finished_at)).toBe(true);
  });

  it("accepts a cookie from a login on one instance on the other", async () => {
    const c = await login(a);
    expect((await c.gql(b.url, ME)).body).toEqual({ data: { me: { username: PROF.username } } });
    const students = await c.gql<{ students: { totalCount: number } }>(
      b.url,
      "{ students(house: HUFFLEPUFF) { totalCount } }",
    );
    expect(students.body.data?.students.totalCount).toBeGreaterThanOrEqual(10);
  });

  it("sees a logout on one instance on the other at the next request", async () => {
    const c = await login(b);
    const replay = httpClient();
    replay.cookie = c.cookie;
    expect((await replay.gql(a.url, ME)).body.data).toEqual({ me: { username: PROF.username } });
    expect((await c.gql(a.url, "mutation { logout }")).body.data).toEqual({ logout: true });
    expect((await replay.gql(b.url, ME)).body.data).toEqual({ me: null });
    expect((await replay.gql(b.url, "{ mySessions { id } }")).body.errors?.[0].extensions?.code).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("sees logoutEverywhere on one instance end sessions used on the other", async () => {
    const onA = await login(a);
    const onB = await login(b);
    expect((await onB.gql(b.url, ME)).body.data).toEqual({ me: { username: PROF.username } });
    expect((await onA.gql(a.url, "mutation { logoutEverywhere }")).body.data).toEqual({ logoutEverywhere: true });
    expect((await onB.gql(b.url, ME)).body.data).toEqual({ me: null });
    expect((await onB.gql(a.url, ME)).body.data).toEqual({ me: null });
  });

  it("counts 200 concurrent awards split across both instances exactly", async () => {
    const c = await login(a);
    const total = async () =>
      (
        await c.gql<{ houses: { house: string; points: number }[] }>(b.url, "{ houses { house points } }")
      ).body.data?.houses.find((h) => h.house === "HUFFLEPUFF")?.points ?? NaN;
    const before = await total();
    const points = Array.from({ length: 200 }, (_, i) => ((i * 7) % 19) + 1 - (i % 5 === 0 ? 25 : 0));
    const results = await Promise.all(
      points.map((p, i) => c.gql(i % 2 ? a.url : b.url, AWARD, { h: "HUFFLEPUFF", p, r: `multi-instance ${i}` })),
    );
    const unexpected = [...a.lines, ...b.lines].filter((l) => l.msg === "unexpected error").slice(0, 3);
    expect(
      results.filter((r) => r.body.errors),
      JSON.stringify(unexpected),
    ).toEqual([]);
    const expected = points.reduce((x, y) => x + y, 0);
    expect(await total()).toBe(before + expected);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT count(*)::int AS n, sum(points)::int AS s FROM "PointAward" WHERE reason LIKE 'multi-instance %'`,
    );
    await client.end();
    expect(rows[0]).toEqual({ n: 200, s: expected });
  });

  it("counts login attempts spread across both instances against one limit (RATE_LIMITED)", async () => {
    const FILCH = { username: "filch", password: "mrs-norris-sees-all", role: "PROFESSOR" as const };
    await addUser(url, FILCH);
    const attempt = (server: Server, password: string) =>
      httpClient().gql(server.url, LOGIN, { u: FILCH.username, p: password });
    // five wrong passwords, alternating instances: each instance saw fewer than five
    for (let i = 0; i < 5; i++) {
      const res = await attempt(i % 2 ? b : a, `wrong-guess-${i}`);
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(["INVALID_CREDENTIALS"]);
    }
    for (const server of [a, b]) {
      const res = await attempt(server, FILCH.password); // even the right password
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED"]);
      expect(res.body.errors?.[0].extensions?.retryAfter).toBeGreaterThan(0);
    }
  });
});
