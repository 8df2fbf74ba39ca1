// The hot path's SQL: one statement per students page, plain SQL that answers what Prisma
// would, and concurrent requests sharing their statements.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessionStore } from "../../src/db/sessions.js";
import { createStudentQueries, type StudentRow } from "../../src/db/students.js";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

interface Page {
  students: {
    totalCount?: number;
    edges: { node: { name: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe.each(BACKENDS)("hot-path SQL (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());

  describe("the students page", () => {
    const studentQueries = () => app.queries.filter((sql) => sql.includes('"Student"'));
    let harry: TestClient;
    let total: number;
    beforeAll(async () => {
      harry = app.client();
      await harry.login(DEMO.harry.username, DEMO.harry.password);
      total = await app.db.prisma.student.count({ where: { house: "GRYFFINDOR" } });
    });

    it("answers the page and totalCount with one query on the Student table", async () => {
      app.queries.length = 0;
      const res = await harry.gql<Page>(
        "{ students(house: GRYFFINDOR, first: 3) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }",
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.students.totalCount).toBe(total);
      expect(res.body.data?.students.edges).toHaveLength(3);
      expect(res.body.data?.students.pageInfo.hasNextPage).toBe(true);
      expect(studentQueries()).toHaveLength(1);
    });

    it("does not count when totalCount is not asked for", async () => {
      app.queries.length = 0;
      const res = await harry.gql<Page>("{ students(house: GRYFFINDOR, first: 3) { edges { node { name } } } }");
      expect(res.body.data?.students.edges).toHaveLength(3);
      expect(studentQueries()).toHaveLength(1);
      expect(studentQueries()[0]).not.toMatch(/count/i);
    });

    it("sees totalCount asked for through fragments", async () => {
      app.queries.length = 0;
      const res = await harry.gql<Page>(
        `{ students(house: GRYFFINDOR, first: 2) { ...Conn } }
         fragment Conn on StudentConnection { ... on StudentConnection { totalCount } edges { node { name } } }`,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.students.totalCount).toBe(total);
      expect(studentQueries()).toHaveLength(1);
    });
  });

  describe("plain SQL agrees with Prisma", () => {
    it("loads a session and its user as Prisma reads them, to the millisecond", async () => {
      const { prisma, sql } = app.db;
      const limits = { absoluteTimeout: 3600, idleTimeout: 600 };
      const store = createSessionStore(prisma, sql, limits);
      const user = await prisma.user.findUniqueOrThrow({ where: { username: DEMO.mcgonagall.username } });
      // odd milliseconds and a user agent with quotes, on a professor with no house
      const created = await store.create(user.id, `Mozilla/5.0 "quoted" ✓`, 1_790_000_000, ["pwd", "otp", "mfa"]);
      await prisma.session.update({
        where: { id: created.id },
        data: {
          createdAt: new Date(1_790_000_000_123),
          lastSeenAt: new Date(1_790_000_100_987),
          authenticatedAt: new Date(1_790_000_050_555),
        },
      });
      const viaPrisma = await prisma.session.findUniqueOrThrow({
        where: { id: created.id },
        select: {
          id: true,
          userId: true,
          createdAt: true,
          lastSeenAt: true,
          userAgent: true,
          authenticatedAt: true,
          methods: true,
          user: { select: { id: true, username: true, displayName: true, role: true, house: true } },
        },
      });
      const loaded = await store.load(created.id);
      expect(loaded).toEqual({ ...viaPrisma, secondFactor: false });
      expect(loaded?.authenticatedAt.getTime()).toBe(1_790_000_050_555);
      expect(loaded?.methods).toEqual(["pwd", "otp", "mfa"]);
      expect(loaded?.lastSeenAt.getTime()).toBe(1_790_000_100_987);
      expect(loaded?.user).toEqual({
        id: user.id,
        username: "mcgonagall",
        displayName: user.displayName,
        role: "PROFESSOR",
        house: null,
      });
      expect(await store.load("00000000-0000-4000-8000-000000000000")).toBeNull();
      expect(await store.load(created.id.toUpperCase())).toEqual({ ...viaPrisma, secondFactor: false });
      // the same statement says whether the user has a confirmed second factor
      await prisma.totpFactor.create({ data: { userId: user.id, secret: "sealed", confirmedAt: new Date() } });
      expect((await store.load(created.id))?.secondFactor).toBe(true);
    });

    it("pages students in (name, id) order with the same rows as a Prisma findMany, cursor by cursor", async () => {
      const { prisma, sql } = app.db;
      // two students with the same name: the id breaks the tie
      await prisma.student.createMany({
        data: [
          { name: "Twin O'Brien", house: "HUFFLEPUFF", year: 2, email: "twin.a@hogwarts.example" },
          { name: "Twin O'Brien", house: "HUFFLEPUFF", year: 3, email: "twin.b@hogwarts.example" },
        ],
      });
      const all = await prisma.student.findMany({
        where: { house: "HUFFLEPUFF" },
        orderBy: [{ name: "asc" }, { id: "asc" }],
        select: { id: true, name: true, house: true, year: true, email: true },
      });
      expect(all.length).toBeGreaterThan(4);
      const pages = createStudentQueries(prisma, sql);
      const seen: StudentRow[] = [];
      let after: { name: string; id: string } | null = null;
      for (;;) {
        const query = { house: "HUFFLEPUFF" as const, take: 2, after };
        const page = await pages.page(query, false);
        const withTotal = await pages.page(query, true);
        expect(withTotal).toEqual({ rows: page.rows, total: all.length });
        if (page.rows.length === 0) break;
        seen.push(...page.rows);
        const last = page.rows[page.rows.length - 1];
        after = { name: last.name, id: last.id };
      }
      expect(seen).toEqual(all);
    });
  });

  describe("the house standings", () => {
    type Houses = { houses: { house: string; points: number }[] };
    const prismaStandings = () =>
      app.db.prisma.housePoints.findMany({ orderBy: { house: "asc" }, select: { house: true, points: true } });

    it("answer 20 concurrent anonymous requests as Prisma reads them, with a few statements between them", async () => {
      const totals = { GRYFFINDOR: 7, HUFFLEPUFF: -3, RAVENCLAW: 120, SLYTHERIN: 0 } as const;
      for (const [house, points] of Object.entries(totals))
        await app.db.prisma.housePoints.update({ where: { house: house as keyof typeof totals }, data: { points } });
      const expected = await prismaStandings();
      app.queries.length = 0;
      const anonymous = app.client();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => anonymous.gql<Houses>("{ houses { house points } }")),
      );
      for (const { body } of answers) {
        expect(body.errors).toBeUndefined();
        expect(body.data?.houses).toEqual(expected);
      }
      // 20 without sharing; one per event-loop turn they spread over
      expect(app.queries.filter((q) => q.includes('"HousePoints"')).length).toBeLessThanOrEqual(4);
    });

    it("read the totals from the database on every request", async () => {
      const anonymous = app.client();
      await anonymous.gql<Houses>("{ houses { house points } }");
      await app.db.prisma.housePoints.update({ where: { house: "HUFFLEPUFF" }, data: { points: 4242 } });
      const { body } = await anonymous.gql<Houses>("{ houses { house points } }");
      expect(body.data?.houses.find((h) => h.house === "HUFFLEPUFF")?.points).toBe(4242);
      expect(body.data?.houses).toEqual(await prismaStandings());
    });
  });

  describe("requests of one event-loop turn share their statements", () => {
    it("answers each of 30 concurrent requests as its own user while they share a few statements", async () => {
      const { hashPassword } = await import("../../src/auth/password.js");
      const passwordHash = await hashPassword("a-password-for-the-batch");
      const houses = ["GRYFFINDOR", "HUFFLEPUFF", "RAVENCLAW", "SLYTHERIN"] as const;
      const users = Array.from({ length: 10 }, (_, i) => ({
        username: `batch-${i}`,
        house: houses[i % 4],
        role: i === 9 ? ("PROFESSOR" as const) : ("STUDENT" as const),
      }));
      await app.db.prisma.user.createMany({
        data: users.map((u) => ({
          ...u,
          displayName: u.username,
          passwordHash,
          house: u.role === "PROFESSOR" ? null : u.house,
        })),
      });
      const clients: TestClient[] = [];
      for (const u of users) {
        const c = app.client();
        await c.login(u.username, "a-password-for-the-batch");
        clients.push(c);
      }
      const anonymous = app.client();
      const revoked = app.client();
      await revoked.login(users[0].username, "a-password-for-the-batch");
      const ended = revoked.cookie;
      await revoked.gql("mutation { logout }");
      revoked.cookie = ended; // still sealed correctly, but its session row is gone
      const asks = Array.from({ length: 30 }, (_, i) => ({
        i,
        who: i % 12,
        house: houses[(i * 7) % 4],
        first: 1 + (i % 5),
      }));
      app.queries.length = 0;
      // Sent together: the session checks meet in one turn, then the pages meet in the next.
      const answers = await Promise.all(
        asks.map(({ who, house, first }) => {
          const client = who < 10 ? clients[who] : who === 10 ? anonymous : revoked;
          return client.gql<{
            me: { username: string } | null;
            students: { totalCount: number; edges: { node: { name: string; house: string; email: string | null } }[] };
          }>(
            `{ me { username } students(house: ${house}, first: ${first}) { totalCount edges { node { name house email } } } }`,
          );
        }),
      );
      // 27 requests carry a cookie and 24 reach the page: that many statements of each kind
      // without batching; with it, one per turn they spread over (2 or 3 measured here).
      const statements = [...app.queries];
      expect(statements.filter((q) => q.includes('"Session"')).length).toBeLessThanOrEqual(6);
      expect(statements.filter((q) => q.includes('"Student"')).length).toBeLessThanOrEqual(6);
      for (const [k, { who, house, first }] of asks.entries()) {
        const { body } = answers[k];
        if (who >= 10) {
          // no cookie, or a logged-out session's: anonymous, and students needs a session
          expect(body.data?.me ?? null).toBeNull();
          expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
          continue;
        }
        const user = users[who];
        expect((body.errors ?? []).filter((e) => e.extensions?.code !== "FORBIDDEN")).toEqual([]);
        expect(body.data?.me).toEqual({ username: user.username });
        const expected = await app.db.prisma.student.findMany({
          where: { house },
          orderBy: [{ name: "asc" }, { id: "asc" }],
          take: first,
        });
        const seesEmail = user.role === "PROFESSOR" || user.house === house;
        expect(body.data?.students.totalCount).toBe(await app.db.prisma.student.count({ where: { house } }));
        expect(body.data?.students.edges.map((e) => e.node)).toEqual(
          expected.map((s) => ({ name: s.name, house: s.house, email: seesEmail ? s.email : null })),
        );
      }
    });
  });
});
