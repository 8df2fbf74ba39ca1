// A 3-master Redis Cluster from redis-server processes: the throttle across instances on it,
// a master killed mid-run and restarted, and REDIS_URL mistakes refused at start in one line.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { loginFrom } from "../helpers/http.js";
import { baseEnv, freePort, run } from "../helpers/process.js";
import { type RedisCluster, startRedisCluster } from "../helpers/redis-cluster.js";
import { describeThrottleAcrossInstances } from "../helpers/throttle-suite.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("on a Redis Cluster of three masters", () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(() => cluster?.stop());

  describeThrottleAcrossInstances("a Redis Cluster", () => cluster.redisUrl);

  describe("a master killed mid-run", () => {
    const prefix = `test:cluster:${randomBytes(6).toString("hex")}:`;
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp("pglite", {
        REDIS_URL: cluster.redisUrl,
        REDIS_KEY_PREFIX: prefix,
        LOGIN_MAX_FAILURES_PER_USER: "3",
      });
    });
    afterAll(() => app?.dispose());

    it("keeps answering, fails logins closed while the slot has no master, and recovers by itself", async () => {
      const reader = app.client();
      expect((await reader.login("luna", DEMO.luna.password)).body.errors).toBeUndefined();
      const owner = await cluster.ownerOf(`${prefix}u:harry`);
      const address = "198.51.100.77";
      const start = Date.now();
      const at = () => Date.now() - start;
      const timeline: Record<string, number> = {};
      const outcomes: { t: number; login: string; me: unknown; ms: number }[] = [];
      const probe = async () => {
        const began = Date.now();
        const [login, me] = await Promise.all([
          loginFrom(app, address, "harry", DEMO.harry.password),
          reader.gql("{ me { username } }"),
        ]);
        const outcome = {
          t: at(),
          login: codes(login).join(",") || (login.body.errors ? login.body.errors[0].message : "ok"),
          me: me.body.data,
          ms: Date.now() - began,
        };
        // the signed-in request never needs Redis: it answers throughout
        expect(outcome.me).toEqual({ me: { username: "luna" } });
        if (outcome.login !== "ok") {
          expect(login.body.errors?.[0].message).toBe("Unexpected error.");
          expect(login.headers.getSetCookie()).toEqual([]);
        }
        outcomes.push(outcome);
        return outcome;
      };

      expect((await probe()).login).toBe("ok");
      timeline.killAt = at();
      await cluster.kill(owner);
      while (!timeline.firstFailure) {
        if ((await probe()).login !== "ok") timeline.firstFailure = at();
        else if (at() - timeline.killAt > 20_000) throw new Error("logins kept succeeding with the slot's master dead");
      }
      // Long enough for the others to mark the node failed (node timeout 2 s) and the cluster down.
      const downUntil = at() + 5000;
      while (at() < downUntil) {
        expect((await probe()).login).not.toBe("ok");
        await sleep(200);
      }
      timeline.clusterStateWhileDown = (await cluster.state((owner + 1) % 3)) === "fail" ? 1 : 0;
      timeline.backAt = at();
      await cluster.restart(owner);
      while (!timeline.firstSuccess) {
        if ((await probe()).login === "ok") timeline.firstSuccess = at();
        else if (at() - timeline.backAt > 60_000)
          throw new Error("no login succeeded within 60 s of the node's return");
        else await sleep(200);
      }
      const during = outcomes.filter((o) => o.t > timeline.firstFailure && o.t < timeline.backAt);
      timeline.slowestAnswerWhileDown = Math.max(...during.map((o) => o.ms));
      console.info(`redis cluster master failure timeline (ms): ${JSON.stringify(timeline)}`);
      expect(during.length).toBeGreaterThanOrEqual(2);
      expect(during.every((o) => o.login !== "ok")).toBe(true);

      // and the throttle counts again (from another address: the probes' address has used up
      // much of its own allowance); the successful login cleared harry's counter
      for (let i = 0; i < 3; i++) {
        expect(codes(await loginFrom(app, "198.51.100.78", "harry", `wrong-${i}`))).toEqual(["INVALID_CREDENTIALS"]);
      }
      expect(codes(await loginFrom(app, "198.51.100.78", "harry", DEMO.harry.password))).toEqual(["RATE_LIMITED"]);
    });
  });
});

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
