// The two reads that bypass the Prisma client (src/db/sql.ts) answer exactly what Prisma would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPage, findPageWithTotal } from "../src/db/students.js";
import { createSessionStore } from "../src/session/store.js";
import { createTestApp, DEMO, type TestApp } from "./helpers/app.js";
import { BACKENDS } from "./helpers/database.js";

describe.each(BACKENDS)("plain SQL on the hot path agrees with Prisma (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());

  it("loads a session and its user as Prisma reads them, to the millisecond", async () => {
    const { prisma, sql } = app.db;
    const limits = { absoluteTimeout: 3600, idleTimeout: 600 };
    const store = createSessionStore(prisma, sql, limits);
    const user = await prisma.user.findUniqueOrThrow({ where: { username: DEMO.mcgonagall.username } });
    // odd milliseconds and a user agent with quotes, on a professor with no house
    const created = await store.create(user.id, `Mozilla/5.0 "quoted" ✓`, 1_790_000_000);
    await prisma.session.update({
      where: { id: created.id },
      data: { createdAt: new Date(1_790_000_000_123), lastSeenAt: new Date(1_790_000_100_987) },
    });
    const viaPrisma = await prisma.session.findUniqueOrThrow({
      where: { id: created.id },
      select: {
        id: true,
        userId: true,
        createdAt: true,
        lastSeenAt: true,
        userAgent: true,
        user: { select: { id: true, username: true, displayName: true, role: true, house: true } },
      },
    });
    const loaded = await store.load(created.id);
    expect(loaded).toEqual(viaPrisma);
    expect(loaded?.lastSeenAt.getTime()).toBe(1_790_000_100_987);
    expect(loaded?.user).toEqual({
      id: user.id,
      username: "mcgonagall",
      displayName: user.displayName,
      role: "PROFESSOR",
      house: null,
    });
    expect(await store.load("00000000-0000-4000-8000-000000000000")).toBeNull();
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
    const seen: typeof all = [];
    let after: { name: string; id: string } | null = null;
    for (;;) {
      const page = await findPage(sql, { house: "HUFFLEPUFF", take: 2, after });
      const withTotal = await findPageWithTotal(sql, { house: "HUFFLEPUFF", take: 2, after });
      expect(withTotal).toEqual({ rows: page, total: all.length });
      if (page.length === 0) break;
      seen.push(...page);
      const last = page[page.length - 1];
      after = { name: last.name, id: last.id };
    }
    expect(seen).toEqual(all);
  });
});
