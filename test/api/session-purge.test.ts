// Each login deletes at most a batch of rows past the idle limit: a large backlog drains over
// several logins, and no login pays for all of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PURGE_BATCH } from "../../src/db/sessions.js";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const IDLE = 3600;
const BACKLOG = 2 * PURGE_BATCH + PURGE_BATCH / 2;

describe.each(BACKENDS)("expired-session purge on login (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { SESSION_IDLE_TIMEOUT: String(IDLE), SESSION_RENEW_INTERVAL: "60" });
  });
  afterAll(() => app?.dispose());

  const count = async (where: "expired" | "live") => {
    const cutoff = new Date((app.clock.now - IDLE) * 1000);
    return app.db.prisma.session.count({
      where: { lastSeenAt: where === "expired" ? { lte: cutoff } : { gt: cutoff } },
    });
  };

  it("drains a backlog larger than the batch over several logins, at most a batch per login", async () => {
    // Abandoned rows of one user, idle for a day (past the limit), made by the server itself.
    const last = new Date((app.clock.now - 24 * 3600) * 1000);
    await app.db.prisma.$executeRaw`
      INSERT INTO "Session" ("id", "userId", "createdAt", "lastSeenAt")
      SELECT gen_random_uuid(), u."id", ${last}, ${last}
      FROM "User" u, generate_series(1, ${BACKLOG}::int) WHERE u."username" = 'luna'`;
    expect(await count("expired")).toBe(BACKLOG);

    const left: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.client().login("harry", DEMO.harry.password);
      expect(res.body.errors).toBeUndefined();
      left.push(await count("expired"));
    }
    expect(left).toEqual([BACKLOG - PURGE_BATCH, BACKLOG - 2 * PURGE_BATCH, 0, 0]);
    // the four new sessions are untouched
    expect(await count("live")).toBe(4);
  });

  it("never deletes a session still within its idle limit", async () => {
    const c = app.client();
    expect((await c.login("luna", DEMO.luna.password)).body.errors).toBeUndefined();
    app.clock.advance(IDLE - 10);
    expect((await app.client().login("harry", DEMO.harry.password)).body.errors).toBeUndefined();
    expect((await c.gql<{ me: { username: string } | null }>("{ me { username } }")).body.data?.me?.username).toBe(
      "luna",
    );
  });
});
