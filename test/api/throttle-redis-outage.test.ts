// What the operator sees of a Redis outage under the login throttle: one warning when it
// starts (not one per reconnect attempt), counting again once Redis answers, and one more
// warning for the next outage. A real redis-server on a spare loopback port comes and goes.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisStore } from "../../src/auth/throttle-redis.js";
import type { Logger } from "../../src/log.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Redis throttle store through an outage", () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill("SIGKILL");
  });

  it("warns once per outage, fails closed during it, and counts again when Redis is back", async () => {
    const port = await freePort();
    const warnings: { reason: string; msg: string }[] = [];
    const log = { warn: (o: { reason: string }, msg: string) => warnings.push({ reason: o.reason, msg }) };
    const store = createRedisStore([`redis://127.0.0.1:${port}`], "test:outage:", log as unknown as Logger);
    try {
      // Down from the start: every hit fails (a login then fails closed), and however many
      // reconnect attempts fail, the log has one line.
      await expect(store.hit("u:neville", 60, 5)).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 1500)); // ioredis retries every 50..2000 ms
      await expect(store.hit("u:neville", 60, 5)).rejects.toThrow();
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toBe("redis unavailable; logins fail until it answers");
      expect(warnings[0].reason).toMatch(/ECONNREFUSED/);

      server = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
      let first: { count: number } | undefined;
      await until(async () => {
        first = await store.hit("u:neville", 60, 5).catch(() => undefined);
        return first !== undefined;
      }, "Redis to answer");
      expect(first?.count).toBe(1);
      expect((await store.hit("u:neville", 60, 5)).count).toBe(2);
      expect(warnings).toHaveLength(1);

      // The next outage is reported again.
      server.kill("SIGKILL");
      await until(() => warnings.length === 2, "a second warning");
      await expect(store.hit("u:neville", 60, 5)).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 1000));
      expect(warnings).toHaveLength(2);

      // Closed while Redis is down, it stops trying: Redis back on that port sees no one.
      await store.close();
      server = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
      const admin = new Redis(port, "127.0.0.1", { lazyConnect: true, retryStrategy: () => 100 });
      admin.on("error", () => {});
      await until(
        () =>
          admin.connect().then(
            () => true,
            () => false,
          ),
        "Redis to come back",
      );
      await new Promise((r) => setTimeout(r, 2500)); // longer than ioredis's longest retry delay
      expect(((await admin.client("LIST")) as string).trim().split("\n")).toHaveLength(1);
      admin.disconnect();
    } finally {
      await store.close();
    }
  });

  it("lets go of its Redis connection on close", async () => {
    const port = await freePort();
    const own = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    const admin = new Redis(port, "127.0.0.1", { lazyConnect: true, retryStrategy: () => 100 });
    admin.on("error", () => {}); // refused until the server is up
    try {
      await until(
        () =>
          admin.connect().then(
            () => true,
            () => false,
          ),
        "the private redis-server",
      );
      const log = { warn: () => {} } as unknown as Logger;
      const store = createRedisStore([`redis://127.0.0.1:${port}`], "test:close:", log);
      expect((await store.hit("u:x", 60, 5)).count).toBe(1);
      const clients = async () => ((await admin.client("LIST")) as string).trim().split("\n").length;
      expect(await clients()).toBe(2); // the store's connection and ours
      await store.close();
      await until(async () => (await clients()) === 1, "the store's connection to close", 3000);
    } finally {
      admin.disconnect();
      own.kill("SIGKILL");
    }
  });
});
