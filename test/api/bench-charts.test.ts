// The bench's charts (bench/charts.ts): drawn from a result as bench/run.ts and bench/soak.ts write it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ChartableResult, writeBenchCharts, writeSoakCharts } from "../../bench/charts.js";
import type { Row } from "../../bench/report.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-charts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (scenario: string, rps: number, p99: number): Row => ({
  backend: "postgresql",
  scenario,
  rps,
  p99,
  requests: rps * 10,
  p50: 1,
  p90: 2,
  max: p99,
  errors: 0,
  non2xx: 0,
  mismatches: 0,
  rssMb: 100,
  heapUsedMb: 20,
  eldP99: 10,
  eldMax: 20,
  failures: 0,
});

const result = (rows: Row[]): ChartableResult => ({
  started: "2026-12-02T03:59:57.044Z",
  machine: { node: "v24.21.0" },
  settings: { quick: false, duration: 10, connections: 20 },
  results: [
    {
      backend: "postgresql",
      idleRssMb: 100,
      idleHeapMb: 20,
      runs: [{ rows, rssAfterMb: 120, settledRssMb: 118, settledHeapMb: 25 }],
    },
  ],
});

describe("bench charts", () => {
  it("draws each scenario's rate over the minimal-Yoga ceiling beside its p99", async () => {
    const files = await writeBenchCharts(
      result([
        row("ceiling: node:http, same bytes", 30000, 2),
        row("ceiling: minimal Yoga, static", 2000, 15),
        row("signed-in students", 1500, 41),
        row("signed-in students + 10 logins/s (logins: 10/s, p99 468 ms)", 1000, 49),
      ]),
      dir,
    );
    expect(files).toEqual([path.join(dir, "ratios-postgresql.svg")]);
    const svg = readFileSync(files[0], "utf8");
    expect(svg).toMatch(/^<svg /);
    for (const text of ["signed-in students", "0.75 (1500 req/s)", "0.50 (1000 req/s)", "41 ms", "p99 latency (ms)"]) {
      expect(svg).toContain(text);
    }
    // The node:http ceiling is named in the subtitle, not drawn as a bar 15 times as long.
    expect(svg).toContain("node:http with the same bytes: 30000 req/s (15.0×, not drawn)");
    expect(svg).not.toContain(">ceiling: node:http");
  });

  it("draws nothing for a result without a ceiling row", async () => {
    expect(await writeBenchCharts(result([row("signed-in students", 1500, 41)]), dir)).toEqual([]);
  });

  it("draws the soak's rate, p99 and each instance's RSS per minute", async () => {
    const minutes = [1, 2, 3].map((minute) => ({ minute, rps: 900, p50: 8, p99: 40 + minute, rssMb: [140, 150] }));
    const [file] = await writeSoakCharts(minutes, dir, { rate: 900, subtitle: "a test soak" });
    const svg = readFileSync(file, "utf8");
    for (const text of ["a test soak", "req/s", "RSS (MB)", "instance 1", "instance 2", "p99", "asked"]) {
      expect(svg).toContain(text);
    }
  });
});
