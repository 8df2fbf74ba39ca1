// A 3-master Redis Cluster from redis-server processes: the throttle across instances on it,
// a master killed mid-run and restarted, subscriptions across two server processes over
// sharded pub/sub (through the same kill). REDIS_URL mistakes at start: redis-url-errors.test.ts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RedisCluster, startRedisCluster } from "../../bench/redis-cluster.js";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { loginFrom } from "../helpers/http.js";
import { addUser, type HttpClient, httpClient, type Server, startServer } from "../helpers/process.js";
import { describeThrottleAcrossInstances } from "../helpers/throttle-suite.js";
import { type Subscription, subscribeWs, wsClient } from "../helpers/ws.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SUB = "subscription($h: House) { pointsAwarded(house: $h) { house points reason } }";
const AWARD =
  "mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { points } }";
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const PROF = { username: "sprout", password: "mandrakes-in-greenhouse-three", role: "PROFESSOR" as const };
const STUDENT = {
  username: "hannah",
  password: "hufflepuff-badger-loyalty",
  role: "STUDENT" as const,
  house: "HUFFLEPUFF",
};
// NODE_ENV=production: the cookie carries the __Host- prefix.
const COOKIE = "__Host-session";

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

  describe("subscriptions on two server processes over the cluster's sharded pub/sub", () => {
    let db: TestDatabase;
    let a: Server;
    let b: Server;
    const prefix = `test:cluster-live:${randomBytes(6).toString("hex")}:`;
    // The channels the app uses: one hash tag, so one slot (and one node) carries them all.
    const channels = ["award", "sessionEnded"].map((topic) => `{${prefix}live:}${topic}`);

    beforeAll(async () => {
      // The kill above may have left the cluster settling.
      await vi.waitFor(
        async () => expect(await Promise.all([0, 1, 2].map((i) => cluster.state(i)))).toEqual(["ok", "ok", "ok"]),
        {
          timeout: 30_000,
          interval: 200,
        },
      );
      db = await createTestDatabase("postgresql");
      const env = {
        ...db.env,
        REDIS_URL: cluster.redisUrl,
        REDIS_KEY_PREFIX: prefix,
        MIGRATE_ON_START: "true",
        SEED_ON_START: "true",
      };
      a = await startServer(env);
      b = await startServer(env);
      await addUser(db.url as string, PROF);
      await addUser(db.url as string, STUDENT);
    }, 180_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await db?.drop();
    });

    async function login(server: Server, user: { username: string; password: string }): Promise<HttpClient> {
      const c = httpClient();
      const res = await c.gql(server.url, LOGIN, { u: user.username, p: user.password });
      expect(res.body.data).toEqual({ login: { username: user.username } });
      return c;
    }

    /** A student's subscription on `server`, once an award made on `awardOn` has reached it. */
    async function openAndConfirm(server: Server, awardOn: Server, prof: HttpClient) {
      const student = await login(server, STUDENT);
      const client = wsClient(`ws://127.0.0.1:${server.port}/graphql`, student.cookie, {}, COOKIE);
      const sub = subscribeWs(client, SUB, { h: "HUFFLEPUFF" });
      await awardUntilSeen(sub, awardOn, prof, "confirm", 20);
      // Awards made before that one may still arrive: let them, so that the queue starts empty.
      while (await sub.next(500).catch(() => null));
      return { student, client, sub };
    }

    /** Awards on `server`, waiting 300 ms after each, until `sub` sees one; throws after `max`. */
    async function awardUntilSeen(sub: Subscription, server: Server, prof: HttpClient, reason: string, max: number) {
      for (let k = 0; k < max; k++) {
        const award = await prof.gql(server.url, AWARD, { h: "HUFFLEPUFF", p: 1, r: `${reason} ${k}` });
        // The award is written and answered whether or not Redis carries the event.
        expect(award.body.errors).toBeUndefined();
        expect(award.body.data?.awardPoints).toEqual({ points: expect.any(Number) });
        const seen = await sub.next(300).catch(() => null);
        if (seen) {
          expect(seen.data?.pointsAwarded).toMatchObject({ house: "HUFFLEPUFF", points: 1 });
          return;
        }
      }
      throw new Error(`no award reached the subscription after ${max} tries`);
    }

    /** Logs `student` out on `server`; the ms until `sub` ends with UNAUTHENTICATED. */
    async function logoutEnds(sub: Subscription, server: Server, student: HttpClient): Promise<number> {
      const out = await student.gql(server.url, "mutation { logout }");
      const loggedOut = performance.now();
      expect(out.body.data).toEqual({ logout: true });
      // A late award may still be in flight; the end is the first result with errors.
      let last = await sub.next(2000);
      while (!last.errors) last = await sub.next(2000);
      expect(last.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      return performance.now() - loggedOut;
    }

    it("delivers an award made on instance B to a subscription on instance A, over sharded channels", async () => {
      const prof = await login(b, PROF);
      const { client } = await openAndConfirm(a, b, prof);
      // Both instances listen on the channels' one slot with SSUBSCRIBE, on its master only.
      const owner = await cluster.ownerOf(channels[0]);
      expect(await cluster.ownerOf(channels[1])).toBe(owner);
      const sharded = (await cluster.command(owner, "pubsub", "shardchannels", `{${prefix}*`)).split("\n").sort();
      // (Other live topics may join these, under the same hash tag.)
      expect(sharded).toEqual(expect.arrayContaining(channels));
      for (const channel of sharded) expect(channel.startsWith(`{${prefix}live:}`)).toBe(true);
      expect(await cluster.command(owner, "pubsub", "shardnumsub", ...channels)).toBe(
        channels.flatMap((c) => [c, "2"]).join("\n"),
      );
      for (let i = 0; i < 3; i++) {
        expect(await cluster.command(i, "pubsub", "channels", `*${prefix}*`)).toBe("");
        if (i !== owner) expect(await cluster.command(i, "pubsub", "shardchannels", `*${prefix}*`)).toBe("");
      }
      await client.dispose();
    });

    it("ends the stream on instance A within 2 s of a logout on instance B", async () => {
      const prof = await login(b, PROF);
      const { student, client, sub } = await openAndConfirm(a, b, prof);
      expect(await logoutEnds(sub, b, student)).toBeLessThan(2000);
      await client.dispose();
    });

    it("keeps streams open while the channels' master is down and delivers again once it is back", async () => {
      const prof = await login(b, PROF);
      const { student, client, sub } = await openAndConfirm(a, b, prof);
      // A second session's stream, signed out while its event cannot be delivered.
      const other = await openAndConfirm(a, b, prof);
      while (await sub.next(500).catch(() => null));
      const owner = await cluster.ownerOf(channels[0]);
      const start = Date.now();
      const timeline: Record<string, number> = {};
      await cluster.kill(owner);
      try {
        timeline.killedAt = Date.now() - start;
        // Signed out at once: its announcement is lost, not just retried until the node is back.
        expect((await other.student.gql(b.url, "mutation { logout }")).body.data).toEqual({ logout: true });
        // Awards still answer while their events have nowhere to go; nothing reaches A meanwhile,
        // and A's stream stays open (no error).
        await expect(awardUntilSeen(sub, b, prof, "while down", 10)).rejects.toThrow(/no award reached/);
        // A real outage, not a blip: the other masters mark the node failed (node timeout 2 s).
        await vi.waitFor(async () => expect(await cluster.state((owner + 1) % 3)).toBe("fail"), {
          timeout: 30_000,
          interval: 200,
        });
        timeline.clusterFailSeenAt = Date.now() - start;
        await expect(awardUntilSeen(sub, b, prof, "while failed", 3)).rejects.toThrow(/no award reached/);
        await expect(other.sub.next(100)).rejects.toThrow(/no result/);
        timeline.restartAt = Date.now() - start;
      } finally {
        // Back on its port and nodes.conf, also when a check above failed: later tests need it.
        await cluster.restart(owner);
      }
      // The session signed out meanwhile is read again once the channels are back: its stream ends.
      const ended = (async () => {
        let last = await other.sub.next(30_000);
        while (!last.errors) last = await other.sub.next(30_000);
        timeline.signedOutStreamEndedAt = Date.now() - start;
        return last;
      })();
      await awardUntilSeen(sub, b, prof, "after return", 200);
      timeline.firstEventAfterReturn = Date.now() - start;
      const last = await ended;
      expect(last.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      expect(timeline.signedOutStreamEndedAt - timeline.restartAt).toBeLessThan(15_000);
      await other.client.dispose();
      // Both channels are subscribed again: a logout on B ends A's stream within 2 s.
      timeline.logoutEndedStreamIn = Math.round(await logoutEnds(sub, b, student));
      console.info(`redis cluster live events across a master failure (ms): ${JSON.stringify(timeline)}`);
      expect(timeline.logoutEndedStreamIn).toBeLessThan(2000);
      await client.dispose();
    }, 120_000);
  });
});
