// SVG charts of a bench result, drawn with Vega-Lite (compiled to Vega, rendered headless):
// per backend, each scenario's rate as a ratio of the minimal-Yoga ceiling beside its p99;
// the fan-out's delivery latencies; the soak's per-minute rate, p99 and RSS.
// `npx tsx bench/charts.ts bench/results/FILE.json [DIR]` re-draws them from a saved result
// (a bench's or a soak's) into DIR, docs/bench by default.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { BackendResult } from "./report.js";

export const CHARTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "docs/bench");

/** What the charts read of a bench result (bench/run.ts writes more). */
export interface ChartableResult {
  started: string | Date;
  machine: { node: string; loadAverageBefore?: number[] };
  settings?: { quick: boolean; duration: number; connections: number };
  results: BackendResult[];
}

/** What the soak chart reads of each minute (bench/soak.ts's Minute has more). */
export interface SoakMinute {
  minute: number;
  rps: number;
  p50: number;
  p99: number;
  /** One reading per instance. */
  rssMb: number[];
}

const CEILING = "ceiling: minimal Yoga";
const RAW = "ceiling: node:http";
const WIDTH = 300;
const FONT = { labelFontSize: 12, titleFontSize: 12 };
const CONFIG = {
  background: "white",
  font: "Helvetica, Arial, sans-serif",
  axis: FONT,
  legend: FONT,
  title: { fontSize: 15, subtitleFontSize: 12, anchor: "start" as const },
  view: { stroke: null },
};

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const when = (started: string | Date) => new Date(started).toISOString().slice(0, 16).replace("T", " ");

/** "2026-12-02 03:59 UTC, Node 24.21.0, load average 1.16 before, 20 connections, 10 s per scenario". */
function runName(result: ChartableResult, settings = true): string {
  const s = settings ? result.settings : undefined;
  const how = s
    ? `, ${s.connections} connections, ${s.duration} s per scenario${s.quick ? " (a --quick run)" : ""}`
    : "";
  const load = result.machine.loadAverageBefore?.[0];
  const busy = load === undefined ? "" : `, load average ${load} before`;
  return `${when(result.started)} UTC, Node ${result.machine.node.replace(/^v/, "")}${busy}${how}`;
}

/** Req/s ÷ the minimal-Yoga ceiling (bars, the ceiling at 1) beside p99 (bars), one row a scenario. */
export function ratioSpec(result: ChartableResult, backend: BackendResult): TopLevelSpec | undefined {
  const rows = backend.runs.at(-1)?.rows ?? [];
  const ceiling = rows.find((r) => r.scenario.startsWith(CEILING));
  if (!ceiling || ceiling.rps <= 0) return undefined;
  const raw = rows.find((r) => r.scenario.startsWith(RAW));
  const values = rows
    .filter((r) => r !== raw)
    .map((r) => ({
      // "signed-in students + 10 logins/s (logins: …)": the logins' own figures go to the subtitle.
      scenario: r.scenario.replace(/ \(.*\)$/, ""),
      ratio: Math.round((r.rps / ceiling.rps) * 100) / 100,
      rateLabel: `${(r.rps / ceiling.rps).toFixed(2)} (${r.rps} req/s)`,
      p99: r.p99,
      p99Label: `${r.p99} ms`,
    }));
  const y = {
    field: "scenario",
    type: "nominal" as const,
    sort: null,
    title: null,
    axis: { labelLimit: 0 },
  };
  const beside = rows.find((r) => / \(logins: .*\)$/.test(r.scenario));
  // Short lines: without a canvas, Vega sizes the chart from a generous estimate of text widths.
  const subtitle = [
    `${runName(result)}; run ${backend.runs.length} of ${backend.runs.length}.`,
    `Ceiling: stock Yoga answering the same bytes from memory, ${ceiling.rps} req/s.`,
    ...(raw
      ? [`node:http with the same bytes: ${raw.rps} req/s (${(raw.rps / ceiling.rps).toFixed(1)}×, not drawn).`]
      : []),
    ...(beside ? [`${beside.scenario}.`] : []),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `${backend.backend}: each scenario's rate as a share of the ceiling, and its p99`, subtitle },
    config: CONFIG,
    data: { values },
    hconcat: [
      {
        width: WIDTH,
        layer: [
          {
            mark: { type: "bar", color: "#4c78a8" },
            encoding: {
              y,
              x: {
                field: "ratio",
                type: "quantitative",
                title: "req/s ÷ minimal-Yoga ceiling (1 = as fast as the ceiling)",
                scale: { domainMin: 0, domainMax: 1.2 },
              },
            },
          },
          {
            mark: { type: "text", align: "left", dx: 4, fontSize: 11 },
            encoding: { y, x: { field: "ratio", type: "quantitative" }, text: { field: "rateLabel" } },
          },
          {
            data: { values: [{ one: 1 }] },
            mark: { type: "rule", color: "#c0392b", strokeDash: [4, 3] },
            encoding: { x: { field: "one", type: "quantitative" } },
          },
        ],
      },
      {
        width: WIDTH * 0.6,
        layer: [
          {
            mark: { type: "bar", color: "#f58518" },
            encoding: {
              y: { ...y, axis: null },
              x: { field: "p99", type: "quantitative", title: "p99 latency (ms)", scale: { domainMin: 0 } },
            },
          },
          {
            mark: { type: "text", align: "left", dx: 4, fontSize: 11 },
            encoding: {
              y: { ...y, axis: null },
              x: { field: "p99", type: "quantitative" },
              text: { field: "p99Label" },
            },
          },
        ],
      },
    ],
    resolve: { scale: { x: "independent" } },
  };
}

/** The fan-out's delivery latencies, p50 and p99, per phase: to the last subscriber, and per transport. */
export function fanoutSpec(result: ChartableResult): TopLevelSpec | undefined {
  const fanouts = result.results.flatMap((b) => (b.fanout ? [b.fanout] : []));
  if (!fanouts.length) return undefined;
  const values = fanouts.flatMap((f) =>
    (
      [
        ["awards alone", f.quiet],
        ["awards + signed-in load", f.underLoad],
      ] as const
    ).flatMap(([phase, s]) =>
      (
        [
          ["to the last subscriber", s.toLast],
          ["each SSE subscriber", s.perSubscriberSse],
          ["each WebSocket subscriber", s.perSubscriberWs],
        ] as const
      ).flatMap(([measure, q]) =>
        (["p50", "p99"] as const).map((quantile) => ({
          row: `${f.backend}, ${phase}`,
          measure,
          quantile,
          ms: q[quantile],
          label: `${q[quantile]} ms`,
          at: Math.max(q[quantile], 0),
        })),
      ),
    ),
  );
  const f0 = fanouts[0];
  const rowOrder = [...new Set(values.map((v) => v.row))];
  const bar = {
    y: { field: "measure", type: "nominal" as const, sort: null, title: null, axis: { labelLimit: 0 } },
    yOffset: { field: "quantile", type: "nominal" as const },
    x: { field: "ms", type: "quantitative" as const, title: "delivery latency (ms)" },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Fan-out: milliseconds from an award's HTTP response to its delivery",
      subtitle: [
        `${runName(result, false)}.`,
        `${f0.subscribers.sse} SSE + ${f0.subscribers.ws} WebSocket subscribers, ${f0.quiet.awards} awards per phase.`,
        "Below zero: delivered before the award's own response ended.",
        "Dashed: the 50 ms p99 target.",
      ],
    },
    config: CONFIG,
    data: { values },
    facet: {
      row: {
        field: "row",
        type: "nominal",
        title: null,
        sort: rowOrder,
        header: { labelAngle: 0, labelOrient: "top", labelAnchor: "start", labelFontSize: 13, labelFontWeight: "bold" },
      },
    },
    spec: {
      width: WIDTH * 1.5,
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            ...bar,
            color: { field: "quantile", type: "nominal", title: null, scale: { range: ["#4c78a8", "#f58518"] } },
          },
        },
        {
          mark: { type: "text", align: "left", dx: 4, fontSize: 11 },
          encoding: { ...bar, x: { field: "at", type: "quantitative" }, text: { field: "label" } },
        },
        {
          data: { values: [{ target: 50 }] },
          mark: { type: "rule", color: "#c0392b", strokeDash: [4, 3] },
          encoding: { x: { field: "target", type: "quantitative" } },
        },
      ],
    },
  };
}

export interface SoakChartOptions {
  /** Names the run: date, machine, connections. */
  subtitle?: string;
  /** The rate asked of the load client (req/s), drawn beside the rate answered. */
  rate?: number;
}

/** Per minute of the soak: rate, p50 and p99, and each instance's RSS, three panels over one x axis. */
export function soakSpec(minutes: SoakMinute[], { subtitle, rate }: SoakChartOptions = {}): TopLevelSpec {
  const x = {
    field: "minute",
    type: "quantitative" as const,
    title: "minute",
    axis: { tickMinStep: 1, format: "d" },
  };
  const line = { type: "line" as const, point: true };
  const panel = (title: string, values: object[], ytitle: string, zero: boolean) => ({
    width: WIDTH * 1.6,
    height: 130,
    title: { text: title, fontSize: 13 },
    data: { values },
    mark: line,
    encoding: {
      x,
      y: { field: "value", type: "quantitative" as const, title: ytitle, scale: { zero }, axis: { format: "~r" } },
      color: { field: "series", type: "nominal" as const, title: null },
    },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Soak: one line a minute", subtitle: subtitle || undefined },
    config: CONFIG,
    vconcat: [
      panel(
        "Rate",
        minutes.flatMap((m) => [
          { minute: m.minute, series: "answered", value: m.rps },
          ...(rate === undefined ? [] : [{ minute: m.minute, series: "asked", value: rate }]),
        ]),
        "req/s",
        true,
      ),
      panel(
        "Latency",
        minutes.flatMap((m) => [
          { minute: m.minute, series: "p50", value: m.p50 },
          { minute: m.minute, series: "p99", value: m.p99 },
        ]),
        "ms",
        true,
      ),
      panel(
        "Server memory at the end of each minute",
        minutes.flatMap((m) =>
          m.rssMb.map((rss, i) => ({ minute: m.minute, series: `instance ${i + 1}`, value: rss })),
        ),
        "RSS (MB)",
        false,
      ),
    ],
    resolve: { scale: { color: "independent" } },
  };
}

function write(dir: string, name: string, svg: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, svg);
  return file;
}

/** ratios-BACKEND.svg per backend with a ceiling row, fanout.svg when a fan-out ran; the files written. */
export async function writeBenchCharts(result: ChartableResult, dir = CHARTS_DIR): Promise<string[]> {
  const files: string[] = [];
  for (const b of result.results) {
    const spec = ratioSpec(result, b);
    if (spec) files.push(write(dir, `ratios-${b.backend}.svg`, await render(spec)));
  }
  const fanout = fanoutSpec(result);
  if (fanout) files.push(write(dir, "fanout.svg", await render(fanout)));
  return files;
}

/** soak.svg from the soak's minutes. */
export async function writeSoakCharts(
  minutes: SoakMinute[],
  dir = CHARTS_DIR,
  options: SoakChartOptions = {},
): Promise<string[]> {
  if (!minutes.length) return [];
  return [write(dir, "soak.svg", await render(soakSpec(minutes, options)))];
}

async function main(file: string | undefined, dir: string): Promise<void> {
  if (!file) throw new Error("usage: npx tsx bench/charts.ts bench/results/FILE.json [DIR]");
  const data = JSON.parse(readFileSync(file, "utf8"));
  const files = Array.isArray(data.minutes)
    ? await writeSoakCharts(data.minutes, dir, {
        subtitle: `${when(data.started)} UTC, Node ${String(data.machine?.node ?? "").replace(/^v/, "")}; asked ${data.rate} req/s.`,
        rate: data.rate,
      })
    : Array.isArray(data.results)
      ? await writeBenchCharts(data, dir)
      : [];
  if (!files.length) throw new Error(`${file}: nothing to chart (neither a bench result nor a soak's)`);
  for (const f of files) console.error(`written ${path.relative(process.cwd(), f)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2], process.argv[3] ?? CHARTS_DIR).catch((error: unknown) => {
    console.error(`charts failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
