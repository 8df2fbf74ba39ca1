// REDIS_URL mistakes refused at start: one line naming the variable, exit 1, nothing written.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisCluster } from "../../bench/redis-cluster.js";
import { baseEnv, freePort, run } from "../helpers/process.js";

describe("REDIS_URL mistakes at start (server process)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "redis-url-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Exit 1, one `error:` line naming REDIS_URL, no password, no stack; no data written. */
  async function expectRefused(redisUrl: string, pattern: RegExp) {
    const proc = run("src/server.ts", baseEnv({ DATA_DIR: dir, REDIS_URL: redisUrl }));
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.stderr().trim().split("\n");
    expect(lines).toEqual([expect.stringMatching(/^error: .*REDIS_URL/)]);
    expect(lines[0]).toMatch(pattern);
    expect(proc.stderr()).not.toMatch(/s3cret|\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
  }

  it("refuses a malformed list", async () => {
    await expectRefused("redis://:s3cret@127.0.0.1:7000,,redis://127.0.0.1:7002", /entry 2 of REDIS_URL is empty/);
    await expectRefused("redis://127.0.0.1:7000, http://127.0.0.1:7001", /entry 2 of REDIS_URL must start with redis/);
    await expectRefused("redis://127.0.0.1:7000,not a url", /entry 2 of REDIS_URL is not a valid URL/);
  });

  it("refuses a cluster with a node that does not answer", async () => {
    const cluster = await startRedisCluster(3);
    try {
      const closed = await freePort();
      const urls = [...cluster.nodes.slice(0, 2).map((n) => n.url), `redis://:s3cret@127.0.0.1:${closed}`];
      await expectRefused(urls.join(","), new RegExp(`REDIS_URL entry 3 \\(127\\.0\\.0\\.1:${closed}\\)`));
    } finally {
      await cluster.stop();
    }
  });
});
