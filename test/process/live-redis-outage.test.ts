// Live events across a Redis restart: a sign-out announced while Redis was down still ends
// its stream once Redis is back, and the other streams get events again.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { freePort } from "../helpers/process.js";
import { type SseStream, subscribeSse } from "../helpers/sse.js";

const exec = promisify(execFile);
const SUB = "subscription { pointsAwarded { house points } }";
const AWARD = `mutation($r: String!) { awardPoints(house: RAVENCLAW, points: 1, reason: $r) { points } }`;

describe("live events on one Redis that is killed and started again (pglite)", () => {
  let port: number;
  let redis: ChildProcess | null = null;
  let app: TestApp;

  /** A throwaway redis-server on `port` that keeps nothing on disk. */
  async function startRedis(): Promise<void> {
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    await vi.waitFor(
      async () => expect((await exec("redis-cli", ["-p", String(port), "ping"])).stdout.trim()).toBe("PONG"),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
  }
  async function killRedis(): Promise<void> {
    const child = redis;
    redis = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    app = await createTestApp("pglite", {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_KEY_PREFIX: `test:live-outage:${randomBytes(6).toString("hex")}:`,
    });
  });
  afterAll(async () => {
    await app?.dispose();
    await killRedis();
  });

  /** Awards until `stream` sees one (each waits 300 ms); throws after `max`. */
  async function awardUntilSeen(prof: TestClient, stream: SseStream, max: number): Promise<void> {
    for (let k = 0; k < max; k++) {
      expect((await prof.gql(AWARD, { r: `try ${k}` })).body.errors).toBeUndefined();
      const seen = await stream.next(300).catch(() => null);
      if (seen) {
        expect(seen.data.data?.pointsAwarded).toMatchObject({ house: "RAVENCLAW", points: 1 });
        return;
      }
    }
    throw new Error(`no award reached the stream after ${max} tries`);
  }
  const drain = async (stream: SseStream) => {
    while (await stream.next(500).catch(() => null));
  };

  it("ends the stream of a session signed out while Redis was down, once Redis is back", async () => {
    const prof = app.client();
    const keeper = app.client();
    const leaver = app.client();
    expect((await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password)).body.errors).toBeUndefined();
    expect((await keeper.login(DEMO.harry.username, DEMO.harry.password)).body.errors).toBeUndefined();
    expect((await leaver.login(DEMO.luna.username, DEMO.luna.password)).body.errors).toBeUndefined();
    const kept = await subscribeSse(app, keeper, SUB);
    const left = await subscribeSse(app, leaver, SUB);
    await awardUntilSeen(prof, kept, 20);
    await awardUntilSeen(prof, left, 20);
    await Promise.all([drain(kept), drain(left)]);

    await killRedis();
    // The sign-out is written; its announcement has no Redis to go through.
    expect((await leaver.gql("mutation { logout }")).body.data).toEqual({ logout: true });
    await expect(left.next(2000)).rejects.toThrow(/no SSE message/);
    await startRedis();
    const back = Date.now();

    // Within the 3 s settle time and a reconnect (ioredis retries at most every 2 s).
    const last = await left.next(10_000);
    expect(last.data.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect((await left.next(1000)).event).toBe("complete");
    console.info(`stream of a session signed out during the outage ended ${Date.now() - back} ms after Redis was back`);
    // The other session's stream stayed open and gets events again.
    await awardUntilSeen(prof, kept, 50);
    await Promise.all([kept.close(), left.close()]);
  }, 60_000);
});
