// Login throttling with Redis counters (127.0.0.1:6379): shared by instances, atomic, expiring.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { loginFrom } from "../helpers/http.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe.each(BACKENDS)("login throttling in Redis (%s)", (backend) => {
  // Our own key prefix: never touch anyone else's keys, never flush.
  const prefix = `test:issue4:${randomBytes(6).toString("hex")}:`;
  const env = {
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOGIN_MAX_FAILURES_PER_USER: "3",
    LOGIN_MAX_FAILURES_PER_ADDRESS: "6",
    LOGIN_THROTTLE_WINDOW: "600",
  };
  let one: TestApp;
  let two: TestApp;
  let redis: Redis;
  let n = 0;
  const addr = () => `198.51.100.${++n}`;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // two instances of the application, each with its own database, sharing one Redis
    [one, two] = await Promise.all([createTestApp(backend, env), createTestApp(backend, env)]);
  });
  afterAll(async () => {
    await Promise.all([one?.dispose(), two?.dispose()]);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it("keeps the counters in Redis under the prefix, with the window as their expiry", async () => {
    const a = addr();
    expect(codes(await loginFrom(one, a, "harry", "wrong-1"))).toEqual(["INVALID_CREDENTIALS"]);
    expect(await redis.get(`${prefix}u:harry`)).toBe("1");
    expect(await redis.get(`${prefix}a:${a}`)).toBe("1");
    const ttl = await redis.ttl(`${prefix}u:harry`);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    // success clears the username and gives the address its attempt back
    expect(codes(await loginFrom(one, a, "harry", DEMO.harry.password))).toEqual([]);
    expect(await redis.exists(`${prefix}u:harry`)).toBe(0);
    expect(await redis.get(`${prefix}a:${a}`)).toBe("1");
  });

  it("counts attempts on two instances together: failures on one lock the username on the other", async () => {
    const a = addr();
    expect(codes(await loginFrom(one, a, "luna", "wrong-1"))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await loginFrom(two, a, "luna", "wrong-2"))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await loginFrom(one, a, "luna", "wrong-3"))).toEqual(["INVALID_CREDENTIALS"]);
    const res = await loginFrom(two, addr(), "luna", DEMO.luna.password);
    expect(codes(res)).toEqual(["RATE_LIMITED"]);
    const retryAfter = res.body.errors?.[0].extensions?.retryAfter as number;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(590);
    expect(await two.db.prisma.session.count()).toBe(0);
  });

  it("counts a concurrent burst spread over both instances exactly", async () => {
    const a = addr();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => loginFrom(i % 2 ? one : two, a, "mcgonagall", `burst-${i}`)),
    );
    const tally = answers.map((r) => codes(r)[0]);
    expect(tally.filter((c) => c === "INVALID_CREDENTIALS")).toHaveLength(3);
    expect(tally.filter((c) => c === "RATE_LIMITED")).toHaveLength(27);
    // the address is counted first: once it is over its limit (6), no username counter grows
    expect(await redis.get(`${prefix}a:${a}`)).toBe("30");
    expect(await redis.get(`${prefix}u:mcgonagall`)).toBe("6");
  });

  it("limits an address across usernames and instances", async () => {
    const a = addr();
    for (let i = 0; i < 6; i++) {
      const app = i % 2 ? one : two;
      expect(codes(await loginFrom(app, a, `spray-${i}`, "Password1!"))).toEqual(["INVALID_CREDENTIALS"]);
    }
    const res = await loginFrom(one, a, "harry", DEMO.harry.password);
    expect(codes(res)).toEqual(["RATE_LIMITED"]);
    // a limited address adds no username key, so a flood of new names from it costs nothing
    for (const app of [one, two]) expect(codes(await loginFrom(app, a, "fresh-name", "x"))).toEqual(["RATE_LIMITED"]);
    expect(await redis.exists(`${prefix}u:fresh-name`)).toBe(0);
  });
});

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
