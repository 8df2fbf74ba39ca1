// GET /ready: 200 {"status":"ready"} while the database answers within the limit, 503
// {"status":"database unreachable"} when it fails or stalls past DB_TIMEOUT_MS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";

async function ready(app: TestApp) {
  const started = performance.now();
  const response = await app.yoga.fetch("http://localhost/ready");
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

// PGlite runs one transaction at a time: one held open stalls every other query, the ping's too.
describe("readiness (PGlite)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite", { DB_TIMEOUT_MS: "100" });
  });
  afterAll(() => app?.dispose());

  it("answers 200 ready while the database answers", async () => {
    const answer = await ready(app);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: "ready" });
  });

  it("answers 503 once the ping outlasts the limit, without waiting for the database", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // released after a while whatever happens, so that a probe that waits still ends
    const unstall = setTimeout(() => release(), 800);
    const stall = app.db.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      await held;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const answer = await ready(app);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ status: "database unreachable" });
      expect(answer.ms).toBeLessThan(600);
    } finally {
      clearTimeout(unstall);
      release();
      await stall;
    }
    // the stall over, ready again
    expect((await ready(app)).status).toBe(200);
  });
});

describe("readiness with the database gone (PGlite)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite");
  });
  // the database is closed already: only the rest of the app is left to stop
  afterAll(() => app?.dispose().catch(() => {}));

  it("answers 503 database unreachable as soon as the ping fails", async () => {
    await app.db.close();
    const answer = await ready(app);
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ status: "database unreachable" });
    expect(answer.ms).toBeLessThan(1500); // not the 2 s limit: the failure itself answers
  });
});
