// The service through PgBouncer in transaction mode: two instances share one pool of 20
// server connections, and migrations refuse the pooler with one line naming the variable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgBouncer, startPgBouncer } from "../../bench/pgbouncer.js";
import { createTestDatabase, type TestDatabase, withClient } from "../helpers/database.js";
import { addUser, baseEnv, httpClient, run, runScript, type Server, startServer } from "../helpers/process.js";

const ME = "{ me { username } }";
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const PROF = { username: "sinistra", password: "astronomy-tower-at-midnight", role: "PROFESSOR" as const };

const nameOf = (url: string) => new URL(url).pathname.slice(1);

const migrationsTable = (db: TestDatabase) =>
  withClient(
    async (c) => (await c.query(`SELECT to_regclass('public._prisma_migrations')::text AS t`)).rows[0].t,
    db.directUrl as string,
  );

describe("PgBouncer in transaction mode", () => {
  let bouncer: PgBouncer;
  let db: TestDatabase;
  let pooled: string;
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    bouncer = await startPgBouncer(undefined, 20);
    db = await createTestDatabase("postgresql");
    pooled = bouncer.url(nameOf(db.directUrl as string));
    const env = {
      DATABASE_URL: pooled,
      MIGRATE_DATABASE_URL: db.directUrl as string,
      MIGRATE_ON_START: "true",
      SEED_ON_START: "true",
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `hogwarts:pgbouncer-test:${process.pid}:${Date.now()}:`,
      DB_TIMEOUT_MS: "30000",
    };
    // Both migrate at start, on the direct URL; the engine's lock serialises them.
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
    await addUser(pooled, PROF);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    await bouncer?.stop();
  });

  it("serves signed-in requests on two instances through one pool of at most 20 server connections", async () => {
    const clients = await Promise.all(
      [a, b].map(async (server) => {
        const c = httpClient();
        expect((await c.gql(server.url, LOGIN, { u: PROF.username, p: PROF.password })).body.data).toEqual({
          login: { username: PROF.username },
        });
        return { c, server };
      }),
    );
    let peakServers = 0;
    let peakBackends = 0;
    const name = nameOf(pooled);
    const sample = async () => {
      const pools = await bouncer.admin<{ database: string; sv_active: number; sv_idle: number; sv_used: number }>(
        "SHOW POOLS",
      );
      const mine = pools.filter((p) => p.database === name);
      const servers = mine.reduce((n, p) => n + Number(p.sv_active) + Number(p.sv_idle) + Number(p.sv_used), 0);
      const backends = await withClient(
        async (c) =>
          Number((await c.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name])).rows[0].n),
        db.directUrl as string,
      );
      peakServers = Math.max(peakServers, servers);
      peakBackends = Math.max(peakBackends, backends);
    };
    const answers: unknown[] = [];
    const load = (async () => {
      for (let round = 0; round < 5; round++) {
        const batch = await Promise.all(
          Array.from({ length: 60 }, (_, i) => clients[i % 2].c.gql(clients[i % 2].server.url, ME)),
        );
        answers.push(...batch.map((r) => r.body));
        await sample();
      }
    })();
    await load;
    expect(answers).toHaveLength(300);
    expect(new Set(answers.map((x) => JSON.stringify(x)))).toEqual(
      new Set([JSON.stringify({ data: { me: { username: PROF.username } } })]),
    );
    // Each instance opens up to 10 client connections; PgBouncer serves them all with its pool.
    const clientsSeen = await bouncer.admin<{ database: string }>("SHOW CLIENTS");
    expect(clientsSeen.filter((c) => c.database === name).length).toBeGreaterThanOrEqual(2);
    expect(peakServers).toBeGreaterThan(0);
    expect(peakServers).toBeLessThanOrEqual(20);
    expect(peakBackends).toBeLessThanOrEqual(20);
  });

  it("signs out everywhere through the pooler: the other instance sees it at once", async () => {
    const c = httpClient();
    await c.gql(a.url, LOGIN, { u: PROF.username, p: PROF.password });
    expect((await c.gql(b.url, ME)).body.data).toEqual({ me: { username: PROF.username } });
    expect((await c.gql(b.url, "mutation { logout }")).body.data).toEqual({ logout: true });
    const replay = httpClient();
    replay.cookie = c.cookie;
    expect((await replay.gql(a.url, ME)).body.data).toEqual({ me: null });
  });
});

describe("migrations refuse a pooler", () => {
  let bouncer: PgBouncer;
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    bouncer = await startPgBouncer(undefined, 20);
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop();
    await bouncer?.stop();
  });
  const fresh = async () => {
    const db = await createTestDatabase("postgresql");
    dbs.push(db);
    return { db, pooled: bouncer.url(nameOf(db.directUrl as string)) };
  };

  /** Exit 1, one `error:` line naming `variable`, no stack; nothing migrated. */
  const expectRefused = async (db: TestDatabase, result: { code: number | null; stderr: string }, variable: RegExp) => {
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([expect.stringMatching(/^error: /)]);
    expect(lines[0]).toMatch(variable);
    expect(lines[0]).toMatch(/pooler/);
    expect(await migrationsTable(db)).toBeNull();
  };

  it("a server told to migrate on a PgBouncer DATABASE_URL without MIGRATE_DATABASE_URL stops in one line", async () => {
    const { db, pooled } = await fresh();
    const proc = run("src/server.ts", baseEnv({ DATABASE_URL: pooled, MIGRATE_ON_START: "true" }));
    const { code } = await proc.exited;
    await expectRefused(db, { code, stderr: proc.stderr() }, /^error: DATABASE_URL .*set MIGRATE_DATABASE_URL/);
  });

  it("a MIGRATE_DATABASE_URL that is itself the pooler stops in one line naming it", async () => {
    const { db, pooled } = await fresh();
    const proc = run(
      "src/server.ts",
      baseEnv({ DATABASE_URL: pooled, MIGRATE_DATABASE_URL: pooled, MIGRATE_ON_START: "true" }),
    );
    const { code } = await proc.exited;
    await expectRefused(db, { code, stderr: proc.stderr() }, /^error: MIGRATE_DATABASE_URL /);
  });

  it("npm run db:migrate on the pooler stops in one line; on MIGRATE_DATABASE_URL it applies", async () => {
    const { db, pooled } = await fresh();
    const refused = await runScript("scripts/migrate.ts", [], baseEnv({ DATABASE_URL: pooled }));
    await expectRefused(db, refused, /DATABASE_URL/);
    const applied = await runScript(
      "scripts/migrate.ts",
      [],
      baseEnv({ DATABASE_URL: pooled, MIGRATE_DATABASE_URL: db.directUrl as string }),
    );
    expect(applied.code).toBe(0);
    expect(await migrationsTable(db)).toBe("_prisma_migrations");
    // and the app then serves through the pooler without migrating
    const server = await startServer({ DATABASE_URL: pooled });
    try {
      const res = await httpClient().gql(server.url, "{ houses { house } }");
      expect(res.body.data).toEqual({ houses: expect.arrayContaining([{ house: "GRYFFINDOR" }]) });
    } finally {
      await server.stop();
    }
  });
});
