// `npm run bench -- --scale [--duration S] [--connections C] [--instances 1,2,4]`: the signed-in
// scenario through HAProxy over N instances on PgBouncer (transaction mode, 20 server
// connections) and a 3-master Redis Cluster; rate, p99 and PostgreSQL connections in use.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { STUDENTS } from "./fixtures.js";
import { type PgBouncer, startPgBouncer } from "./pgbouncer.js";
import { buildMeasured, LoadClient, runScript } from "./processes.js";
import { type Proxied, proxiedEnv, signInThrough, startProxied } from "./proxy.js";
import { type RedisCluster, startRedisCluster } from "./redis-cluster.js";
import { withClient } from "./support.js";

export interface ScaleOptions {
  duration: number;
  connections: number;
  instances: number[];
}

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const POOL_SIZE = 20;

interface Row {
  instances: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  serverConnections: number;
  backends: number;
  clientConnections: number;
}

/** Runs the scale bench and prints its Markdown table. */
export async function runScale(options: ScaleOptions): Promise<void> {
  const loadBefore = os.loadavg();
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-scale-"));
  const name = `bench_scale_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const direct = new URL(ADMIN_URL);
  direct.pathname = `/${name}`;
  let bouncer: PgBouncer | undefined;
  let cluster: RedisCluster | undefined;
  const loader = new LoadClient();
  const rows: Row[] = [];
  await withClient((c) => c.query(`CREATE DATABASE "${name}"`), ADMIN_URL);
  try {
    console.error("building; starting PgBouncer and a 3-master Redis Cluster");
    const adminUrl = new URL(ADMIN_URL);
    [bouncer, cluster] = await Promise.all([
      startPgBouncer({ host: adminUrl.hostname, port: Number(adminUrl.port || 5432) }, POOL_SIZE),
      startRedisCluster(3),
      buildMeasured(),
    ]);
    const base = proxiedEnv({
      DATABASE_URL: bouncer.url(name),
      MIGRATE_DATABASE_URL: direct.toString(),
      REDIS_URL: cluster.redisUrl,
    });
    await runScript("bench/setup.ts", [], { ...base, PORT: "0" });
    for (const n of options.instances) {
      let proxied: Proxied | undefined;
      try {
        proxied = await startProxied(n, base, dir);
        const { url } = proxied;
        const cookie = await signInThrough(url);
        const spec = {
          url,
          connections: options.connections,
          headers: { "content-type": "application/json", cookie },
          bodies: [STUDENTS],
          contains: ['"email":"'],
          absent: ['"errors"'],
        };
        await loader.run({ ...spec, duration: 2 });
        const peak = { servers: 0, backends: 0, clients: 0 };
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const pools = await (bouncer as PgBouncer).admin<Record<string, number | string>>("SHOW POOLS");
            const mine = pools.filter((p) => p.database === name);
            const sum = (keys: string[]) => mine.reduce((t, p) => t + keys.reduce((u, k) => u + Number(p[k]), 0), 0);
            peak.servers = Math.max(peak.servers, sum(["sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"]));
            peak.clients = Math.max(peak.clients, sum(["cl_active", "cl_waiting"]));
            const backends = await withClient(
              async (c) =>
                Number(
                  (await c.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name])).rows[0].n,
                ),
              ADMIN_URL,
            );
            peak.backends = Math.max(peak.backends, backends);
            await new Promise((r) => setTimeout(r, 250));
          }
        })();
        const result = await loader.run({ ...spec, duration: options.duration });
        sampling = false;
        await sampler;
        const row: Row = {
          instances: n,
          rps: result.rps,
          p50: result.p50,
          p99: result.p99,
          failures: result.errors + result.non2xx + result.mismatches,
          serverConnections: peak.servers,
          backends: peak.backends,
          clientConnections: peak.clients,
        };
        if (row.failures) console.error(`  N=${n}: ${row.failures} failed; sample: ${result.sample ?? "(none)"}`);
        console.error(`  N=${n}: ${row.rps} req/s, p99 ${row.p99} ms, PostgreSQL connections ${row.backends}`);
        rows.push(row);
      } finally {
        await proxied?.stop();
      }
    }
  } finally {
    loader.stop();
    await cluster?.stop();
    await bouncer?.stop();
    await withClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), ADMIN_URL);
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg();
  const round = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    [
      `## Scale ${new Date().toISOString()}`,
      "",
      `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}; load average before ${round(loadBefore)}, after ${round(loadAfter)}.`,
      `Signed-in students through HAProxy, ${options.connections} connections, ${options.duration} s per N after 2 s warm-up; PgBouncer transaction mode, pool ${POOL_SIZE}; Redis Cluster of 3 masters.`,
      "",
      "| instances | req/s | p50 ms | p99 ms | failed | PostgreSQL connections (peak, pg_stat_activity) | PgBouncer server connections (peak) | PgBouncer clients active or waiting (peak) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows.map(
        (r) =>
          `| ${r.instances} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.failures} | ${r.backends} | ${r.serverConnections} | ${r.clientConnections} |`,
      ),
      "",
    ].join("\n"),
  );
  if (rows.some((r) => r.failures)) {
    console.error("scale bench FAILED: some requests failed");
    process.exit(1);
  }
}
