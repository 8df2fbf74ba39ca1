// Login throttling with Redis counters (127.0.0.1:6379): shared by instances, atomic, expiring.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { loginFrom } from "../helpers/http.js";
import { describeThrottleAcrossInstances } from "../helpers/throttle-suite.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describeThrottleAcrossInstances("Redis", () => REDIS_URL);

describe("Redis throttle windows and outages", () => {
  const prefix = `test:issue4:${randomBytes(6).toString("hex")}:`;
  let app: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    app = await createTestApp("pglite", {
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      LOGIN_MAX_FAILURES_PER_USER: "2",
      LOGIN_THROTTLE_WINDOW: "2",
    });
  });
  afterAll(async () => {
    await app?.dispose();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it("lets the right password in again once the window has passed", async () => {
    for (let i = 0; i < 2; i++) await loginFrom(app, "198.51.100.200", "harry", `wrong-${i}`);
    expect(codes(await loginFrom(app, "198.51.100.200", "harry", DEMO.harry.password))).toEqual(["RATE_LIMITED"]);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    expect(codes(await loginFrom(app, "198.51.100.200", "harry", DEMO.harry.password))).toEqual([]);
  });

  it("fails closed when Redis is unreachable: no login, a masked error, no session", async () => {
    // a port nothing listens on: bind one, read it back, close it
    const { createServer } = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = await createTestApp("pglite", { REDIS_URL: `redis://:hunter2-redis-password@127.0.0.1:${port}` });
    try {
      const res = await loginFrom(down, "198.51.100.201", "harry", DEMO.harry.password);
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0].message).toBe("Unexpected error.");
      expect(JSON.stringify(res.body)).not.toMatch(/redis|ECONNREFUSED|hunter2|stack/i);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await down.db.prisma.session.count()).toBe(0);
    } finally {
      await down.dispose();
    }
  });
});
