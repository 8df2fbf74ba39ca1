// The throttle's behaviour across two instances on one Redis: run on a single server and on a cluster.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisUrls } from "../../src/config/redis.js";
import { connectRedis, type RedisClient } from "../../src/redis.js";
import { codes, createTestApp, DEMO, type TestApp } from "./app.js";
import { BACKENDS } from "./database.js";
import { loginFrom } from "./http.js";

/** Deletes the keys under `prefix` on every master (a cluster spreads them over its nodes). */
export async function dropKeys(redis: RedisClient, prefix: string): Promise<void> {
  const nodes = "nodes" in redis ? redis.nodes("master") : [redis];
  for (const node of nodes) {
    const keys = await node.keys(`${prefix}*`);
    for (const key of keys) await redis.del(key);
  }
}

/** Counters in the Redis at `redisUrl()` (read when the suite starts): shared, atomic, expiring. */
export function describeThrottleAcrossInstances(label: string, redisUrl: () => string): void {
  describe.each(BACKENDS)(`login throttling in ${label} (%s)`, (backend) => {
    // Our own key prefix: never touch anyone else's keys, never flush.
    const prefix = `test:throttle:${randomBytes(6).toString("hex")}:`;
    const env = () => ({
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: prefix,
      LOGIN_MAX_FAILURES_PER_USER: "3",
      LOGIN_MAX_FAILURES_PER_ADDRESS: "6",
      LOGIN_THROTTLE_WINDOW: "600",
    });
    let one: TestApp;
    let two: TestApp;
    let redis: RedisClient;
    let n = 0;
    const addr = () => `198.51.100.${++n}`;

    beforeAll(async () => {
      redis = connectRedis(redisUrls(redisUrl()) ?? []);
      // two instances of the application, each with its own database, sharing one Redis
      [one, two] = await Promise.all([createTestApp(backend, env()), createTestApp(backend, env())]);
    });
    afterAll(async () => {
      await Promise.all([one?.dispose(), two?.dispose()]);
      await dropKeys(redis, prefix);
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
}
