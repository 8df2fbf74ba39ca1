// The bench's report: result types, the Markdown table, and the targets checked against a run.
import type { FanoutResult } from "./fanout.js";
import type { LoadResult } from "./load.js";

export type Backend = "pglite" | "postgresql";

export interface Row extends LoadResult {
  backend: Backend;
  scenario: string;
  rssMb: number;
  heapUsedMb: number;
  eldP99: number;
  eldMax: number;
  /** errors + non-2xx + wrong bodies */
  failures: number;
}

export interface Target {
  name: string;
  measured: string;
  goal: string;
  met: boolean;
}

export interface BackendResult {
  backend: Backend;
  /** After start, after a full GC. */
  idleRssMb: number;
  idleHeapMb: number;
  /** rssAfterMb: at the end of the run; settled*: then after a full GC. */
  runs: { rows: Row[]; rssAfterMb: number; settledRssMb: number; settledHeapMb: number }[];
  profile?: string;
  /** The fan-out scenario, run once after the runs above. */
  fanout?: FanoutResult;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function table(rows: Row[]): string {
  const lines = [
    "| backend | scenario | req/s | p50 ms | p90 ms | p99 ms | errors | server RSS MB | loop delay p99 / max ms |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.failures} | ${r.rssMb} | ${r.eldP99} / ${r.eldMax} |`,
    );
  }
  return lines.join("\n");
}

export function targets(results: BackendResult[], loginRate: number): Target[] {
  const out: Target[] = [];
  for (const b of results) {
    const last = b.runs.at(-1);
    if (!last) continue;
    const find = (prefix: string) => last.rows.find((r) => r.scenario.startsWith(prefix));
    const ceiling = find("ceiling: minimal Yoga");
    const raw = find("ceiling: node:http");
    const signed = find("signed-in students");
    const anon = find("anonymous houses");
    const mixed = find("signed-in students +");
    if (ceiling && signed) {
      const goal = b.backend === "postgresql" ? 0.5 : 0.2;
      const ratio = signed.rps / ceiling.rps;
      out.push({
        name: `${b.backend}: signed-in students / minimal-Yoga ceiling`,
        measured: `${signed.rps} / ${ceiling.rps} = ${pct(ratio)}`,
        goal: `≥ ${pct(goal)}`,
        met: ratio >= goal,
      });
    }
    if (ceiling && anon) {
      out.push({
        name: `${b.backend}: anonymous houses / minimal-Yoga ceiling`,
        measured: `${anon.rps} / ${ceiling.rps} = ${pct(anon.rps / ceiling.rps)}`,
        goal: "(reported)",
        met: true,
      });
    }
    if (raw && signed) {
      out.push({
        name: `${b.backend}: signed-in students / node:http ceiling`,
        measured: `${signed.rps} / ${raw.rps} = ${pct(signed.rps / raw.rps)}`,
        goal: "(reported)",
        met: true,
      });
    }
    if (signed && mixed) {
      out.push({
        name: `${b.backend}: p99 signed-in students with ${loginRate} logins/s vs without`,
        measured: `${mixed.p99} ms vs ${signed.p99} ms = ${(mixed.p99 / Math.max(signed.p99, 1)).toFixed(2)}×`,
        goal: "≤ 2×",
        met: mixed.p99 <= 2 * Math.max(signed.p99, 1),
      });
    }
    if (b.runs.length >= 2) {
      const [one, two] = [b.runs[0], last];
      out.push({
        name: `${b.backend}: server RSS after the full run`,
        measured: `${two.rssAfterMb} MB (after a full GC ${two.settledRssMb} MB; idle after start ${b.idleRssMb} MB)`,
        goal: "< 200 MB",
        met: two.rssAfterMb < 200,
      });
      const growth = two.rssAfterMb / one.rssAfterMb - 1;
      const settledGrowth = two.settledRssMb / one.settledRssMb - 1;
      const heapGrowth = two.settledHeapMb / one.settledHeapMb - 1;
      out.push({
        name: `${b.backend}: RSS growth, run 1 → run 2`,
        measured: `${one.rssAfterMb} → ${two.rssAfterMb} MB = ${pct(growth)}; after a full GC ${one.settledRssMb} → ${two.settledRssMb} MB = ${pct(settledGrowth)} (heap ${one.settledHeapMb} → ${two.settledHeapMb} MB = ${pct(heapGrowth)})`,
        goal: "< 10%",
        met: growth < 0.1,
      });
    }
  }
  return out;
}
