// The fan-out scenario: 1,000 subscribers (half SSE, half graphql-ws) on the server, awards at a
// fixed rate, delivery latency to every subscriber, RSS per 1,000 subscribers, and the
// signed-in query rate beside it. The subscribers and awards live in bench/fanout-client.ts.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { FanoutMessage, FanoutStats, Quantiles } from "./fanout-client.js";
import { BENCH_USERS, FANOUT_SUBSCRIPTION, LOGIN, PROFESSOR_LOGIN } from "./fixtures.js";
import type { LoadResult, LoadSpec } from "./load.js";
import type { Measured } from "./processes.js";
import type { Backend } from "./report.js";
import { ROOT } from "./support.js";

/** Subscriptions per session (the server's default SUBSCRIPTIONS_PER_SESSION). */
const PER_SESSION = 5;
export const AWARD_RATE = 20;

export interface FanoutResult {
  backend: Backend;
  subscribers: { sse: number; ws: number; sessions: number; openSeconds: number };
  /** After a full GC: before any subscriber, and with all of them open. */
  rssBeforeMb: number;
  rssWithMb: number;
  rssPer1000Mb: number;
  heapBeforeMb: number;
  heapWithMb: number;
  /** Awards alone, then awards while the signed-in students load runs. */
  quiet: FanoutStats & { eldP99: number };
  underLoad: FanoutStats & { eldP99: number };
  studentsAlone: LoadResult;
  studentsBeside: LoadResult;
  failures: number;
  /** When the quiet phase began and ended (ms since the epoch), for a profile of it. */
  quietWindow: [number, number];
}

/** The fan-out client process: one per bench, told what to do over IPC. */
class FanoutClient {
  private readonly child: ChildProcess;
  private next = 0;
  private readonly pending = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();

  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/fanout-client.ts")], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (m: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error === undefined) waiter?.resolve(m.result);
      else waiter?.reject(new Error(`fan-out client: ${m.error}`));
    });
    this.child.on("exit", (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`fan-out client exited with ${code}`));
      this.pending.clear();
    });
  }

  send<T>(body: FanoutMessage): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.child.send({ id, body });
    });
  }

  stop(): void {
    this.child.kill("SIGTERM");
  }
}

export interface FanoutDeps {
  backend: Backend;
  url: string;
  server: Measured;
  load(spec: LoadSpec): Promise<LoadResult>;
  /** The signed-in students load (without url and duration). */
  students: Omit<LoadSpec, "url" | "duration">;
  duration: number;
  warmup: number;
  /** 1,000 unless `--subscribers N` says otherwise; half SSE, half WebSocket. */
  subscribers: number;
}

const failuresOf = (s: FanoutStats) => s.missing + s.duplicates + s.failedAwards + s.endedSubscribers;
const loadFailures = (r: LoadResult) => r.errors + r.non2xx + r.mismatches;

export async function runFanout(d: FanoutDeps): Promise<FanoutResult> {
  const client = new FanoutClient();
  try {
    const students = (duration: number) => d.load({ ...d.students, url: d.url, duration });
    await students(d.warmup);
    const studentsAlone = await students(d.duration);
    const before = await d.server.settle();
    const sse = Math.ceil(d.subscribers / 2);
    const ws = d.subscribers - sse;
    const sessions = Math.ceil(d.subscribers / PER_SESSION);
    console.error(`  ${d.backend} fan-out: signing in ${sessions} sessions, opening ${sse} SSE + ${ws} WebSocket`);
    const opened = await client.send<{ subscribers: number; openMs: number }>({
      type: "open",
      url: d.url,
      logins: Array.from({ length: BENCH_USERS }, (_, i) => LOGIN(i)),
      professorLogin: PROFESSOR_LOGIN,
      sessions,
      sse,
      ws,
      subscription: FANOUT_SUBSCRIPTION,
    });
    const withSubscribers = await d.server.settle();
    // Warm-up at the same rate, not timed.
    await client.send<FanoutStats>({ type: "awards", rate: AWARD_RATE, duration: d.warmup, label: "warmup" });
    await d.server.reset();
    const quietStarted = Date.now();
    const quiet = await client.send<FanoutStats>({
      type: "awards",
      rate: AWARD_RATE,
      duration: d.duration,
      label: "quiet",
    });
    const quietWindow: [number, number] = [quietStarted, Date.now()];
    const quietEld = (await d.server.read()).eld.p99;
    await d.server.reset();
    const [underLoad, studentsBeside] = await Promise.all([
      client.send<FanoutStats>({ type: "awards", rate: AWARD_RATE, duration: d.duration, label: "loaded" }),
      students(d.duration),
    ]);
    const loadedEld = (await d.server.read()).eld.p99;
    await client.send({ type: "close" });
    const result: FanoutResult = {
      backend: d.backend,
      subscribers: { sse, ws, sessions, openSeconds: Math.round(opened.openMs / 100) / 10 },
      rssBeforeMb: before.rssMb,
      rssWithMb: withSubscribers.rssMb,
      rssPer1000Mb: Math.round(((withSubscribers.rssMb - before.rssMb) * 1000) / opened.subscribers),
      heapBeforeMb: before.heapUsedMb,
      heapWithMb: withSubscribers.heapUsedMb,
      quiet: { ...quiet, eldP99: quietEld },
      underLoad: { ...underLoad, eldP99: loadedEld },
      studentsAlone,
      studentsBeside,
      quietWindow,
      failures: failuresOf(quiet) + failuresOf(underLoad) + loadFailures(studentsAlone) + loadFailures(studentsBeside),
    };
    console.error(
      `  ${d.backend} fan-out: to last p50 ${quiet.toLast.p50} / p99 ${quiet.toLast.p99} ms, per subscriber p99 ${quiet.perSubscriber.p99} ms, ` +
        `rss +${result.rssWithMb - result.rssBeforeMb} MB, students ${studentsAlone.rps} → ${studentsBeside.rps} req/s, failures ${result.failures}`,
    );
    if (result.failures) {
      console.error(
        `  fan-out failures: quiet ${JSON.stringify({ ...quiet, toLast: undefined })}; loaded ${JSON.stringify({ ...underLoad, toLast: undefined })}`,
      );
    }
    return result;
  } finally {
    client.stop();
  }
}

const q = (x: Quantiles) => `${x.p50} / ${x.p99}`;

/** The fan-out table: one row per backend and phase. */
export function fanoutTable(results: FanoutResult[]): string {
  const lines = [
    "| backend | phase | awards × subscribers | delivered once | to last subscriber p50 / p99 ms | per subscriber p50 / p99 ms (SSE p99, WS p99) | award request → last subscriber p50 / p99 ms | award response p50 / p99 ms | signed-in students req/s (alone) | loop delay p99 ms | bench client CPU |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    for (const [phase, s, rate] of [
      [`${AWARD_RATE} awards/s`, r.quiet, "–"],
      [`${AWARD_RATE} awards/s + students load`, r.underLoad, `${r.studentsBeside.rps} (${r.studentsAlone.rps})`],
    ] as const) {
      const ok = s.delivered === s.awards * s.subscribers && s.duplicates === 0;
      lines.push(
        `| ${r.backend} | ${phase} | ${s.awards} × ${s.subscribers} | ${ok ? "yes" : `**no**: ${s.missing} missing, ${s.duplicates} twice`} | ${q(s.toLast)} | ${q(s.perSubscriber)} (${s.perSubscriberSse.p99}, ${s.perSubscriberWs.p99}) | ${q(s.requestToLast)} | ${q(s.awardResponse)} | ${rate} | ${s.eldP99} | ${s.clientCpuPct}% |`,
      );
    }
  }
  lines.push("");
  for (const r of results) {
    lines.push(
      `${r.backend}: ${r.subscribers.sse} SSE + ${r.subscribers.ws} WebSocket subscribers on ${r.subscribers.sessions} sessions (opened in ${r.subscribers.openSeconds} s); server RSS after a full GC ${r.rssBeforeMb} → ${r.rssWithMb} MB = ${r.rssPer1000Mb} MB per 1,000 subscribers (heap ${r.heapBeforeMb} → ${r.heapWithMb} MB).`,
    );
  }
  return lines.join("\n");
}

/** Issue 20's fan-out target, and the figures reported beside it. */
export function fanoutTargets(
  results: FanoutResult[],
): { name: string; measured: string; goal: string; met: boolean }[] {
  return results.flatMap((r) => [
    {
      name: `${r.backend}: fan-out to ${r.quiet.subscribers} subscribers, delivery p99 (award response → last subscriber)`,
      measured: `${r.quiet.toLast.p99} ms (per subscriber p99 ${r.quiet.perSubscriber.p99} ms)`,
      goal: "≤ 50 ms",
      met: r.quiet.toLast.p99 <= 50,
    },
    {
      name: `${r.backend}: signed-in students while the fan-out runs / alone`,
      measured: `${r.studentsBeside.rps} / ${r.studentsAlone.rps} req/s = ${Math.round((r.studentsBeside.rps / Math.max(r.studentsAlone.rps, 1)) * 100)}%`,
      goal: "(reported)",
      met: true,
    },
    {
      name: `${r.backend}: server RSS per 1,000 subscribers`,
      measured: `${r.rssPer1000Mb} MB`,
      goal: "(reported)",
      met: true,
    },
  ]);
}
