// `tsx bench/session-rows.ts [rows…]`: the session table at 1M and 10M rows on PostgreSQL. Loads
// a fresh database with generate_series, then measures the signed-in lookup (EXPLAIN ANALYZE and
// a timed run), a login (insert + bounded purge) and the purge of a 1M-row expired backlog.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { createSessionStore, PURGE_BATCH } from "../src/db/sessions.js";
import { withClient } from "./support.js";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const SIZES = (process.argv.slice(2).length ? process.argv.slice(2) : ["1000000", "10000000"]).map(Number);
const USERS = 10_000;
const LIMITS = { absoluteTimeout: 7 * 86400, idleTimeout: 86400 };
const BACKLOG = 1_000_000;

const quantiles = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(2);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms (n=${s.length})`;
};

async function measure(rows: number): Promise<void> {
  const name = `bench_rows_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await withClient((c) => c.query(`CREATE DATABASE "${name}"`), ADMIN_URL);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: "", dbTimeoutMs: 600_000 });
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await migrate(db, { databaseUrl: url.toString(), migrateDatabaseUrl: null, dbTimeoutMs: 600_000 });
    const t0 = performance.now();
    await client.query(
      `INSERT INTO "User" (id, username, "displayName", "passwordHash", role, "updatedAt")
       SELECT gen_random_uuid(), 'u' || i, 'User ' || i, 'x', 'STUDENT', now() FROM generate_series(1, $1) i`,
      [USERS],
    );
    // Live rows: created within the last 6 days, used within the last 23 hours.
    await client.query(
      `INSERT INTO "Session" (id, "userId", "createdAt", "lastSeenAt", "userAgent")
       SELECT gen_random_uuid(), u.id, now() - random() * interval '6 days', now() - random() * interval '23 hours', 'bench'
       FROM generate_series(1, $1) i JOIN (SELECT id, row_number() OVER () AS n FROM "User") u ON u.n = 1 + i % $2`,
      [rows, USERS],
    );
    await client.query(`VACUUM ANALYZE "Session"`);
    const size = (await client.query(`SELECT pg_size_pretty(pg_total_relation_size('"Session"')) AS s`)).rows[0].s;
    console.log(
      `\n### ${rows.toLocaleString("en")} session rows (loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s; table + indexes ${size})`,
    );

    const ids = (await client.query(`SELECT id::text FROM "Session" TABLESAMPLE SYSTEM (0.1) LIMIT 2000`)).rows.map(
      (r) => r.id as string,
    );
    const store = createSessionStore(db.prisma, db.sql, LIMITS);
    const plan = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT s."id"::text, u."username" FROM "Session" s JOIN "User" u ON u."id" = s."userId" WHERE s."id" = ANY($1::text[]::uuid[])`,
      [[ids[0]]],
    );
    console.log(`\`\`\`\n${plan.rows.map((r) => r["QUERY PLAN"]).join("\n")}\n\`\`\``);
    const lookups: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      const found = await store.load(id);
      lookups.push(performance.now() - t);
      if (!found) throw new Error(`session ${id} not found`);
    }
    console.log(
      `- session lookup (store.load, the hot statement through the app's pool, random ids): ${quantiles(lookups)}`,
    );

    const users = (await client.query(`SELECT id::text FROM "User" LIMIT 200`)).rows.map((r) => r.id as string);
    const now = Math.floor(Date.now() / 1000);
    const logins: number[] = [];
    for (const user of users) {
      const t = performance.now();
      await store.create(user, "bench", now, ["pwd"]);
      logins.push(performance.now() - t);
    }
    console.log(`- login's session write (store.create: bounded purge + insert, no backlog): ${quantiles(logins)}`);

    // A backlog: 1M rows idle for two days.
    await client.query(
      `INSERT INTO "Session" (id, "userId", "createdAt", "lastSeenAt")
       SELECT gen_random_uuid(), u.id, now() - interval '3 days', now() - interval '2 days'
       FROM generate_series(1, $1) i JOIN (SELECT id, row_number() OVER () AS n FROM "User") u ON u.n = 1 + i % $2`,
      [BACKLOG, USERS],
    );
    await client.query(`ANALYZE "Session"`);
    const batched: number[] = [];
    for (const user of users.slice(0, 50)) {
      const t = performance.now();
      await store.create(user, "bench", now, ["pwd"]);
      batched.push(performance.now() - t);
    }
    console.log(
      `- login with a ${BACKLOG.toLocaleString("en")}-row expired backlog (purges ${PURGE_BATCH} per login): ${quantiles(batched)}`,
    );
    // What one unbounded purge of the backlog costs (the behaviour before batching), rolled back.
    await client.query("BEGIN");
    const t = performance.now();
    const { rowCount } = await client.query(`DELETE FROM "Session" WHERE "lastSeenAt" <= now() - interval '1 day'`);
    const unbounded = performance.now() - t;
    await client.query("ROLLBACK");
    console.log(
      `- one unbounded purge of the backlog (${(rowCount ?? 0).toLocaleString("en")} rows, rolled back): ${(unbounded / 1000).toFixed(1)} s`,
    );
  } finally {
    await client.end();
    await db.close();
    await withClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), ADMIN_URL);
  }
}

const load = (await import("node:os")).loadavg();
console.log(`load average at start: ${load.map((x) => x.toFixed(2)).join(" ")}`);
for (const rows of SIZES) await measure(rows);
process.exit(0);
