// `npm run bench [-- --quick] [--backend pglite|postgresql] [--profile] [--label NAME] [--scenario fan-out]`
// (`-- --scale`: N instances behind HAProxy on PgBouncer and a Redis Cluster, bench/scale.ts;
// `-- --soak [--soak-minutes 10]`: two instances behind HAProxy at 80 % of their peak, bench/soak.ts):
// starts the server (production, logs off) and the ceilings as separate processes, drives
// them with autocannon from other processes, prints Markdown and writes bench/results/*.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { writeBenchCharts } from "./charts.js";
import { fanoutTable, fanoutTargets, runFanout } from "./fanout.js";
import { BENCH_USERS, HOUSES, LOGIN, STUDENTS } from "./fixtures.js";
import type { LoadSpec } from "./load.js";
import { buildMeasured, CEILING, freePort, LoadClient, Measured, ROOT, runScript, startCommand } from "./processes.js";
import { summarizeProfile } from "./profile.js";
import { type Backend, type BackendResult, type Row, table, targets } from "./report.js";
import { runScale } from "./scale.js";
import { runSoak } from "./soak.js";
import { createScratchDatabase, PRODUCTION_SITE } from "./support.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    backend: { type: "string", multiple: true },
    profile: { type: "boolean", default: false },
    label: { type: "string", default: "" },
    duration: { type: "string" },
    connections: { type: "string" },
    scenario: { type: "string", multiple: true },
    scale: { type: "boolean", default: false },
    instances: { type: "string", default: "1,2,4" },
    subscribers: { type: "string", default: "1000" },
    soak: { type: "boolean", default: false },
    "soak-minutes": { type: "string", default: "10" },
  },
});

const QUICK = flags.quick;
const DURATION = Number(flags.duration ?? (QUICK ? 1 : 10));
const WARMUP = QUICK ? 0.5 : 2;
const CONNECTIONS = Number(flags.connections ?? 20);
const LOGIN_CONNECTIONS = 4;
const LOGIN_RATE = 10;
const RUNS = QUICK ? 1 : 2;
/**
 * The memory after a run is read once the last scenario's requests have been answered:
 * autocannon stops at its deadline with requests in flight, and a login still hashing holds
 * a 19 MiB argon2 block for about 50 ms. One second covers that, and is far shorter than
 * the 8 s of idleness after which V8 starts shrinking its heap.
 */
const QUIET_MS = 1000;
const BACKENDS = (flags.backend ?? ["pglite", "postgresql"]) as Backend[];
for (const b of BACKENDS) if (b !== "pglite" && b !== "postgresql") throw new Error(`unknown backend ${b}`);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const RESULTS = path.join(ROOT, "bench/results");
const loader = new LoadClient();
/** What an interrupted run must still undo (the PostgreSQL database, the PGlite directory). */
const onInterrupt = new Set<() => Promise<void>>();
let interrupted = false;
process.on("SIGINT", () => {
  // Ctrl-C reaches this process twice (the terminal's, then tsx relays it): the cleanup must finish.
  if (interrupted) return;
  interrupted = true;
  console.error("\ninterrupted: cleaning up");
  Promise.allSettled([...onInterrupt].map((undo) => undo())).then(() => process.exit(130));
});
const load = (spec: LoadSpec) => loader.run(spec);
/** Whether `name` was asked for (`--scenario` matches part of a scenario's name; none: all). */
const selected = (name: string) => !flags.scenario || flags.scenario.some((part) => name.includes(part));
const FANOUT = "fan-out";

// ---------------------------------------------------------------- databases and servers

interface BenchDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function createDatabase(backend: Backend): Promise<BenchDatabase> {
  if (backend === "pglite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-pglite-"));
    return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { url, drop } = await createScratchDatabase(ADMIN_URL, "bench");
  return { env: { DATABASE_URL: url }, drop };
}

function serverEnv(db: BenchDatabase, port: number): NodeJS.ProcessEnv {
  const { DATABASE_URL: _, DATA_DIR: __, ...inherited } = process.env;
  return {
    ...inherited,
    ...db.env,
    NODE_ENV: "production",
    ...PRODUCTION_SITE,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: String(port),
    SESSION_SECRET: randomBytes(32).toString("hex"),
    MIGRATE_ON_START: "false",
    SEED_ON_START: "false",
  };
}

async function post(url: string, body: string, cookie?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body,
  });
}

async function signIn(url: string): Promise<string> {
  const res = await post(url, LOGIN(0));
  const text = await res.text();
  const cookie = res.headers.getSetCookie().find((c) => /^(__Host-)?session=/.test(c));
  if (!res.ok || !cookie || text.includes('"errors"')) throw new Error(`bench login failed: ${res.status} ${text}`);
  return cookie.split(";")[0];
}

/** The same cookie with one character of its encrypted part changed. */
function tamper(cookie: string): string {
  const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
  const parts = value.split("*");
  const data = parts[4];
  const i = Math.floor(data.length / 2);
  parts[4] = data.slice(0, i) + (data[i] === "A" ? "B" : "A") + data.slice(i + 1);
  return `${name}=${parts.join("*")}`;
}

// ---------------------------------------------------------------- scenarios

interface Scenario {
  name: string;
  target: "app" | "yoga" | "raw";
  spec: Omit<LoadSpec, "url" | "duration">;
  /** Runs at the same time, measured too but not shown as its own row. */
  alongside?: Omit<LoadSpec, "url" | "duration">;
}

const JSON_HEADERS = { "content-type": "application/json" };

function scenarios(reference: string, cookie: string): Scenario[] {
  const signedIn = {
    connections: CONNECTIONS,
    headers: { ...JSON_HEADERS, cookie },
    bodies: [STUDENTS],
    contains: [reference],
    absent: [],
  };
  const logins = (connections: number, rate?: number) => ({
    connections,
    ...(rate ? { rate } : {}),
    headers: JSON_HEADERS,
    bodies: Array.from({ length: BENCH_USERS }, (_, i) => LOGIN(i)),
    contains: ['"login":{"username":"bench-'],
    absent: ['"errors"'],
  });
  return [
    { name: "ceiling: node:http, same bytes", target: "raw", spec: { ...signedIn, headers: JSON_HEADERS } },
    { name: "ceiling: minimal Yoga, static", target: "yoga", spec: { ...signedIn, headers: JSON_HEADERS } },
    {
      name: "anonymous houses",
      target: "app",
      spec: { ...signedIn, headers: JSON_HEADERS, bodies: [HOUSES], contains: ['"houses":['], absent: ['"errors"'] },
    },
    { name: "signed-in students", target: "app", spec: signedIn },
    {
      name: "tampered cookie students",
      target: "app",
      spec: { ...signedIn, headers: { ...JSON_HEADERS, cookie: tamper(cookie) }, contains: ["UNAUTHENTICATED"] },
    },
    { name: "login", target: "app", spec: logins(LOGIN_CONNECTIONS) },
    {
      name: `signed-in students + ${LOGIN_RATE} logins/s`,
      target: "app",
      spec: signedIn,
      alongside: logins(2, LOGIN_RATE),
    },
  ];
}

async function runScenario(
  backend: Backend,
  s: Scenario,
  processes: Record<Scenario["target"], { process: Measured; url: string }>,
): Promise<Row> {
  const { process: server, url } = processes[s.target];
  await load({ ...s.spec, url, duration: WARMUP });
  await server.reset();
  const [main, side] = await Promise.all([
    load({ ...s.spec, url, duration: DURATION }),
    s.alongside ? load({ ...s.alongside, url, duration: DURATION }) : undefined,
  ]);
  const probe = await server.read();
  const failures = [main, side].reduce((n, r) => n + (r ? r.errors + r.non2xx + r.mismatches : 0), 0);
  if (failures) {
    console.error(`  ${s.name}: ${failures} failed requests; sample: ${main.sample ?? side?.sample ?? "(none)"}`);
  }
  const row: Row = {
    ...main,
    backend,
    scenario: side ? `${s.name} (logins: ${side.rps}/s, p99 ${side.p99} ms)` : s.name,
    rssMb: probe.rssMb,
    heapUsedMb: probe.heapUsedMb,
    eldP99: probe.eld.p99,
    eldMax: probe.eld.max,
    failures,
  };
  console.error(
    `  ${backend} ${row.scenario}: ${row.rps} req/s, p99 ${row.p99} ms, rss ${row.rssMb} MB, loop p99 ${row.eldP99} ms`,
  );
  return row;
}

// ---------------------------------------------------------------- ceilings

interface Ceilings {
  yoga: Measured;
  raw: Measured;
  yogaUrl: string;
  rawUrl: string;
  reference: string;
}

async function startCeilings(reference: string): Promise<Ceilings> {
  mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, ".reference.json");
  writeFileSync(file, reference);
  const [yp, rp] = [await freePort(), await freePort()];
  const yoga = new Measured("ceiling yoga", CEILING, ["yoga", file, String(yp)], process.env);
  const raw = new Measured("ceiling raw", CEILING, ["raw", file, String(rp)], process.env);
  const yogaUrl = `http://127.0.0.1:${yp}/graphql`;
  const rawUrl = `http://127.0.0.1:${rp}/`;
  await Promise.all([yoga.ready(`${yogaUrl}?query=%7B__typename%7D`), raw.ready(rawUrl)]);
  for (const [name, url] of [
    ["yoga", yogaUrl],
    ["raw", rawUrl],
  ]) {
    const got = await (await post(url, STUDENTS)).text();
    if (got !== reference) throw new Error(`ceiling ${name} answers different bytes:\n${got}\nvs\n${reference}`);
  }
  return { yoga, raw, yogaUrl, rawUrl, reference };
}

// ---------------------------------------------------------------- one backend

/** A fresh database with the bench data; the setup runs in its own process. */
async function prepare(backend: Backend): Promise<BenchDatabase> {
  const db = await createDatabase(backend);
  onInterrupt.add(db.drop);
  const t0 = Date.now();
  try {
    await runScript("bench/setup.ts", [], serverEnv(db, 0));
  } catch (error) {
    await release(db);
    throw error;
  }
  console.error(`${backend}: database ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return db;
}

async function release(db: BenchDatabase): Promise<void> {
  await db.drop();
  onInterrupt.delete(db.drop);
}

async function benchBackend(
  backend: Backend,
  db: BenchDatabase,
  ceilings: { current?: Ceilings },
): Promise<BackendResult> {
  let server: Measured | undefined;
  try {
    const port = await freePort();
    const env = serverEnv(db, port);
    const t0 = Date.now();
    const profileDir = path.join(RESULTS, "profiles", `${backend}-${Date.now()}`);
    // --expose-gc only lets the probe collect garbage before the between-runs memory reading.
    const start = startCommand();
    const nodeFlags = [
      ...start.flags,
      "--expose-gc",
      ...(flags.profile ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
    ];
    const spawnedAt = Date.now();
    server = new Measured(`server (${backend})`, start.script, [], { ...env, ...start.env }, nodeFlags);
    const base = `http://127.0.0.1:${port}`;
    await server.ready(`${base}/health`);
    console.error(`${backend}: server up after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const url = `${base}/graphql`;
    const cookie = await signIn(url);
    const answer = await post(url, STUDENTS, cookie);
    const reference = await answer.text();
    if (!answer.ok || reference.includes('"errors"') || !reference.includes('"email":"')) {
      throw new Error(`signed-in students did not answer as expected: ${reference}`);
    }
    ceilings.current ??= await startCeilings(reference);
    if (ceilings.current.reference !== reference) throw new Error(`${backend} answers other bytes than the ceiling`);
    const c = ceilings.current;
    const processes = {
      app: { process: server, url },
      yoga: { process: c.yoga, url: c.yogaUrl },
      raw: { process: c.raw, url: c.rawUrl },
    };
    const idle = await server.settle();
    const result: BackendResult = { backend, idleRssMb: idle.rssMb, idleHeapMb: idle.heapUsedMb, runs: [] };

    const students = scenarios(reference, cookie).find((s) => s.name === "signed-in students");
    if (!students) throw new Error("no signed-in scenario");
    const fanout = () =>
      runFanout({
        backend,
        url,
        server: server as Measured,
        load,
        students: students.spec,
        duration: DURATION,
        warmup: WARMUP,
        subscribers: Number(flags.subscribers),
      });

    if (flags.profile && flags.scenario && selected(FANOUT)) {
      // The fan-out's quiet phase: awards to every subscriber, nothing else.
      result.fanout = await fanout();
      await server.stop();
      const file = readdirSync(profileDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!file) throw new Error(`no CPU profile written in ${profileDir}`);
      const [from, to] = result.fanout.quietWindow.map((t) => (t - spawnedAt) / 1000);
      result.profile = summarizeProfile(path.join(profileDir, file), from, to);
      return result;
    }

    if (flags.profile) {
      const s = students;
      const skip = (Date.now() - spawnedAt) / 1000 + WARMUP;
      result.runs.push({
        rows: [await runScenario(backend, s, processes)],
        rssAfterMb: (await server.read()).rssMb,
        settledRssMb: 0,
        settledHeapMb: 0,
      });
      await server.stop();
      // Thread 0 is the main thread.
      const file = readdirSync(profileDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!file) throw new Error(`no CPU profile written in ${profileDir}`);
      result.profile = summarizeProfile(path.join(profileDir, file), skip);
      return result;
    }

    const chosen = scenarios(reference, cookie).filter((s) => selected(s.name));
    for (let run = 1; run <= RUNS && chosen.length > 0; run++) {
      console.error(`${backend}: run ${run} of ${RUNS}`);
      const rows: Row[] = [];
      for (const s of chosen) rows.push(await runScenario(backend, s, processes));
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      const end = await server.read();
      const settled = await server.settle();
      result.runs.push({ rows, rssAfterMb: end.rssMb, settledRssMb: settled.rssMb, settledHeapMb: settled.heapUsedMb });
    }
    // After the runs above, so that its 1,000 connections do not enter their RSS growth.
    if (selected(FANOUT)) result.fanout = await fanout();
    return result;
  } finally {
    await server?.stop();
    await release(db);
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = os.loadavg();
  const ceilings: { current?: Ceilings } = {};
  const results: BackendResult[] = [];
  try {
    // The app and the ceilings are compiled, and both databases prepared, before anything is measured.
    console.error(`building; preparing ${BACKENDS.join(" and ")}`);
    const [built, ...prepared] = await Promise.allSettled([buildMeasured(), ...BACKENDS.map(prepare)]);
    const failed = [built, ...prepared].find((p) => p.status === "rejected");
    if (failed) {
      for (const p of prepared) if (p.status === "fulfilled" && p.value) await release(p.value);
      throw failed.reason;
    }
    for (const [i, backend] of BACKENDS.entries()) {
      const db = (prepared[i] as PromiseFulfilledResult<BenchDatabase>).value;
      results.push(await benchBackend(backend, db, ceilings));
    }
  } finally {
    await ceilings.current?.yoga.stop();
    await ceilings.current?.raw.stop();
    loader.stop();
    // Databases of backends not reached (an earlier one failed).
    for (const undo of onInterrupt) await undo().catch(() => {});
  }
  const loadAfter = os.loadavg();
  const rows = results.flatMap((b) => b.runs.at(-1)?.rows ?? []);
  const fanouts = results.flatMap((b) => (b.fanout ? [b.fanout] : []));
  const goals = [...targets(results, LOGIN_RATE), ...fanoutTargets(fanouts)];
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadAverageAfter: loadAfter.map((x) => Math.round(x * 100) / 100),
  };
  const settings = { quick: QUICK, duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, runs: RUNS };

  const out: string[] = [];
  out.push(
    `## Bench ${started.toISOString()}${flags.label ? ` (${flags.label})` : ""}`,
    "",
    `${machine.cpus} × ${machine.model}, Node ${machine.node}; load average before ${machine.loadAverageBefore.join(" ")}, after ${machine.loadAverageAfter.join(" ")}.`,
    `${CONNECTIONS} connections, ${DURATION} s per scenario after ${WARMUP} s warm-up; figures from run ${RUNS} of ${RUNS}${flags.profile ? " (profiling: one run)" : ""}.`,
    "",
    ...(rows.length ? [table(rows), ""] : []),
    ...(fanouts.length ? ["### Fan-out", "", fanoutTable(fanouts), ""] : []),
  );
  if (goals.length) {
    out.push("| target | measured | goal | met |", "| --- | --- | --- | --- |");
    for (const t of goals) out.push(`| ${t.name} | ${t.measured} | ${t.goal} | ${t.met ? "yes" : "**no**"} |`);
    out.push("");
  }
  for (const b of results)
    if (b.profile)
      out.push(
        `### CPU profile, ${b.fanout ? "fan-out, quiet phase" : "signed-in students"}, ${b.backend}`,
        "",
        b.profile,
        "",
      );
  const report = out.join("\n");
  console.log(report);

  mkdirSync(RESULTS, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const file = path.join(RESULTS, `${stamp}${flags.label ? `-${flags.label}` : ""}.json`);
  writeFileSync(file, `${JSON.stringify({ started, machine, settings, results, targets: goals }, null, 2)}\n`);
  console.error(`\nwritten ${path.relative(ROOT, file)}`);
  // The charts BENCHMARKS.md shows (docs/bench/*.svg), from full runs only (a smoke or one-scenario
  // run would replace them with a partial picture); a chart that fails does not fail the bench.
  if (!QUICK && !flags.scenario?.length)
    await writeBenchCharts({ started, machine, settings, results })
      .then((charts) => console.error(`charts: ${charts.map((c) => path.relative(ROOT, c)).join(", ")}`))
      .catch((error: unknown) => console.error(`charts not drawn: ${error instanceof Error ? error.message : error}`));

  const allFailures =
    results.flatMap((b) => b.runs.flatMap((r) => r.rows)).reduce((n, r) => n + r.failures, 0) +
    fanouts.reduce((n, f) => n + f.failures, 0);
  if (allFailures) {
    console.error(
      `bench FAILED: ${allFailures} failed requests or deliveries (errors, non-2xx, wrong answers, events missing or twice)`,
    );
    process.exit(1);
  }
  process.exit(0);
}

const entry = flags.scale
  ? () =>
      runScale({
        duration: Number(flags.duration ?? (QUICK ? 3 : 10)),
        connections: CONNECTIONS,
        instances: flags.instances.split(",").map(Number),
      }).then(() => process.exit(0))
  : flags.soak
    ? () =>
        runSoak(
          {
            minutes: Number(flags["soak-minutes"]),
            connections: CONNECTIONS,
            peakSeconds: Number(flags.duration ?? 10),
          },
          onInterrupt,
        ).then((passed) => process.exit(passed ? 0 : 1))
    : main;

entry().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
