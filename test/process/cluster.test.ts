// `npm run start:cluster`: workers share one port; any worker serves any session and
// concurrent awards spread over the workers all count.
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { addUser, baseEnv, isReady, type LogLine, type Proc, run } from "../helpers/process.js";
import { subscribeWs, wsClient } from "../helpers/ws.js";

const PROF = { username: "slughorn", password: "crystallised-pineapple", role: "PROFESSOR" as const };
const WORKERS = 2;

interface Answer {
  data?: { me?: { username: string } | null; houses?: { house: string; points: number }[] } | null;
  errors?: unknown[];
}

/** One POST on its own connection, so that the primary hands it to the next worker. */
function post(port: number, body: unknown, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Answer }>((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

describe("cluster entry (one worker per core, PostgreSQL)", () => {
  let db: TestDatabase;
  let cluster: Proc;
  let port: number;
  let cookie: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    cluster = run(
      "src/cluster.ts",
      baseEnv({
        ...db.env,
        REDIS_URL: "redis://127.0.0.1:6379",
        MIGRATE_ON_START: "true",
        SEED_ON_START: "true",
        CLUSTER_WORKERS: String(WORKERS),
        DB_TIMEOUT_MS: "30000", // see instances.test.ts: 200 awards queue on one row
      }),
    );
    await cluster.waitFor(() => cluster.lines.filter(isReady).length === WORKERS, 120_000);
    port = cluster.lines.find(isReady)?.port as number;
    await addUser(db.url as string, PROF);
    const login = await post(
      port,
      { query: `mutation { login(username: "${PROF.username}", password: "${PROF.password}") { id } }` },
      {},
    );
    cookie = /__Host-session=[^;]*/.exec(String(login.headers["set-cookie"]))?.[0] as string;
    expect(cookie).toBeTruthy();
  });
  afterAll(async () => {
    if (cluster && cluster.child.exitCode === null) cluster.child.kill("SIGTERM");
    await cluster?.exited;
    await db?.drop();
  });

  it("starts the configured number of workers on one shared port", () => {
    const ready = cluster.lines.filter(isReady);
    expect(new Set(ready.map((l) => l.worker)).size).toBe(WORKERS);
    expect(new Set(ready.map((l) => l.port))).toEqual(new Set([port]));
  });

  it("serves one session from every worker", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `cluster-me-${i}`);
    const answers = await Promise.all(
      ids.map((id) => post(port, { query: "{ me { username } }" }, { cookie, "x-request-id": id })),
    );
    expect(answers.map((a) => a.json.data?.me?.username)).toEqual(ids.map(() => PROF.username));
    const byWorker = new Map<unknown, number>();
    for (const id of ids) {
      const line = await cluster.waitFor((l: LogLine) => l.msg === "request" && l.reqId === id, 10_000);
      byWorker.set(line.worker, (byWorker.get(line.worker) ?? 0) + 1);
    }
    expect(byWorker.size).toBe(WORKERS);
  });

  it("counts 200 concurrent awards spread over the workers exactly", async () => {
    const points = Array.from({ length: 200 }, (_, i) => (i % 9) + 1);
    const results = await Promise.all(
      points.map((p, i) =>
        post(
          port,
          {
            query: `mutation($p: Int!, $r: String!) { awardPoints(house: SLYTHERIN, points: $p, reason: $r) { points } }`,
            variables: { p, r: `cluster ${i}` },
          },
          { cookie, "x-request-id": `cluster-award-${i}` },
        ),
      ),
    );
    const unexpected = cluster.lines.filter((l) => l.msg === "unexpected error").slice(0, 3);
    expect(
      results.filter((r) => r.json.errors),
      JSON.stringify(unexpected),
    ).toEqual([]);
    const houses = await post(port, { query: "{ houses { house points } }" }, {});
    const slytherin = houses.json.data?.houses?.find((h) => h.house === "SLYTHERIN");
    expect(slytherin?.points).toBe(points.reduce((a, b) => a + b, 0));
    const workers = new Set(
      cluster.lines.filter((l) => String(l.reqId).startsWith("cluster-award-")).map((l) => l.worker),
    );
    expect(workers.size).toBe(WORKERS);
  });

  it("streams awards made on any worker to subscribers on every worker, and ends them all at logout", async () => {
    const login = await post(
      port,
      { query: `mutation { login(username: "${PROF.username}", password: "${PROF.password}") { id } }` },
      {},
    );
    const pair = /__Host-session=[^;]*/.exec(String(login.headers["set-cookie"]))?.[0] ?? "";
    expect(pair).not.toBe("");
    const [name, value] = pair.split("=");
    // One socket each: the primary hands each new connection to the next worker.
    const clients = Array.from({ length: 4 }, () => wsClient(`ws://127.0.0.1:${port}/graphql`, value, {}, name));
    const subs = clients.map((c) =>
      subscribeWs(c, "subscription { pointsAwarded(house: RAVENCLAW) { points reason } }"),
    );
    try {
      // A subscription is live once it has seen an award: send probes until every one has.
      const seen = subs.map(() => false);
      for (let probe = 0; seen.includes(false) && probe < 50; probe++) {
        await post(
          port,
          {
            query: `mutation { awardPoints(house: RAVENCLAW, points: 1, reason: "cluster probe ${probe}") { points } }`,
          },
          { cookie },
        );
        await Promise.all(
          subs.map(async (sub, i) => {
            while (!seen[i]) {
              const result = await sub.next(300).catch(() => null);
              if (!result) return;
              seen[i] = true;
            }
          }),
        );
      }
      expect(seen).toEqual([true, true, true, true]);
      for (const sub of subs) while (await sub.next(200).catch(() => null)); // drain the probes
      // Five awards, each on a new connection (so on alternating workers): every stream gets each once.
      for (let i = 0; i < 5; i++) {
        const answer = await post(
          port,
          {
            query: `mutation { awardPoints(house: RAVENCLAW, points: ${i + 1}, reason: "cluster live ${i}") { points } }`,
          },
          { cookie, "x-request-id": `cluster-live-${i}` },
        );
        expect(answer.json.errors).toBeUndefined();
      }
      for (const sub of subs) {
        const reasons: unknown[] = [];
        for (let i = 0; i < 5; i++) reasons.push((await sub.next(3000)).data?.pointsAwarded);
        expect(reasons).toEqual([0, 1, 2, 3, 4].map((i) => ({ points: i + 1, reason: `cluster live ${i}` })));
      }
      const awardWorkers = new Set(
        cluster.lines.filter((l) => String(l.reqId).startsWith("cluster-live-")).map((l) => l.worker),
      );
      expect(awardWorkers.size).toBe(WORKERS);
      // The streams' session ends on whichever worker takes the logout: every stream ends.
      await post(port, { query: "mutation { logout }" }, { cookie: `${name}=${value}` });
      for (const sub of subs) {
        const ended = await sub.next(2000);
        expect(ended.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      }
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });

  it("replaces a worker that dies, and keeps serving the session", async () => {
    const [victim] = cluster.lines.filter(isReady);
    process.kill(victim.pid as number, "SIGKILL");
    await cluster.waitFor(() => cluster.lines.filter(isReady).length === WORKERS + 1, 60_000);
    await cluster.waitFor((l) => l.msg.startsWith("worker died") && l.worker === victim.worker);
    for (let i = 0; i < 6; i++) {
      const me = await post(port, { query: "{ me { username } }" }, { cookie });
      expect(me.json.data?.me?.username).toBe(PROF.username);
    }
  });

  it("stops every worker on SIGTERM and exits 0", async () => {
    cluster.child.kill("SIGTERM");
    expect(await cluster.exited).toEqual({ code: 0, signal: null });
    // the two workers alive at the time (one replaced a killed worker)
    expect(cluster.lines.filter((l) => l.msg.startsWith("stopped; database pool closed"))).toHaveLength(WORKERS);
  });

  it("stops with exit code 1 when its workers cannot start (port taken)", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const proc = run(
        "src/cluster.ts",
        baseEnv({
          ...db.env,
          REDIS_URL: "redis://127.0.0.1:6379",
          CLUSTER_WORKERS: "2",
          PORT: String((blocker.address() as net.AddressInfo).port),
        }),
      );
      expect((await proc.exited).code).toBe(1);
      expect(proc.stderr()).toMatch(/^error: PORT \d+ on HOST 127\.0\.0\.1 is already in use$/m);
      expect(proc.stderr()).not.toMatch(/\n\s+at /);
      expect(proc.lines.some((l) => l.msg.startsWith("a worker failed to start"))).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it("refuses more than one worker without REDIS_URL (each would count login failures alone), in one line", async () => {
    const proc = run("src/cluster.ts", baseEnv({ ...db.env, CLUSTER_WORKERS: "2" }));
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr().trim().split("\n")).toEqual([expect.stringMatching(/^error: REDIS_URL is required/)]);
    expect(proc.lines.filter(isReady)).toEqual([]);
  });

  it("runs one worker without Redis", async () => {
    const proc = run("src/cluster.ts", baseEnv({ ...db.env, CLUSTER_WORKERS: "1" }));
    try {
      const ready = await proc.waitFor(isReady, 90_000);
      const me = await post(ready.port as number, { query: "{ me { username } }" }, {});
      expect(me.json).toEqual({ data: { me: null } });
    } finally {
      proc.child.kill("SIGTERM");
      expect((await proc.exited).code).toBe(0);
    }
  });

  it("refuses to start without a PostgreSQL DATABASE_URL, in one line", async () => {
    const proc = run("src/cluster.ts", baseEnv({ DATABASE_URL: "" }));
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr().trim().split("\n")).toEqual([expect.stringMatching(/^error: DATABASE_URL is required/)]);
  });
});
