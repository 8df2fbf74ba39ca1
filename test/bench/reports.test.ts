// What the soak and the profile summary tell their reader: the soak's verdict lines against
// the target, and a CPU profile's self time grouped into named costs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarizeProfile } from "../../bench/profile.js";
import { type Minute, minuteLine, verdicts } from "../../bench/soak.js";

const minute = (n: number, over: Partial<Minute> = {}): Minute => ({
  minute: n,
  requests: 60_000,
  rps: 1000,
  p50: 10,
  p90: 15,
  p99: 40,
  max: 80,
  errors: 0,
  non2xx: 0,
  mismatches: 0,
  failures: 0,
  rssMb: [130, 128],
  heapUsedMb: [30, 29],
  ...over,
});

describe("soak verdict", () => {
  it("meets the target when minute 10 is within 5 % of minute 2 and nothing failed", () => {
    const run = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => minute(n, n === 10 ? { rssMb: [136, 124], p99: 42 } : {}));
    const judged = verdicts(run);
    expect(judged.map((v) => [v.name, v.met])).toEqual([
      ["errors (socket, non-2xx, wrong bytes)", true],
      ["RSS of instance 1, minute 10 vs minute 2", true],
      ["RSS of instance 2, minute 10 vs minute 2", true],
      ["p99, minute 10 vs minute 2", true],
    ]);
    expect(judged[1].measured).toBe("130 → 136 MB (+4.6%)");
  });

  it("fails on one failed request, on RSS growing more than 5 %, and on p99 moving more than 5 %", () => {
    const run = [1, 2, 3].map((n) =>
      minute(n, n === 3 ? { rssMb: [130, 135], p99: 37, mismatches: 1, failures: 1 } : {}),
    );
    const judged = verdicts(run);
    expect(judged.map((v) => v.met)).toEqual([false, true, false, false]);
    expect(judged[2].measured).toBe("128 → 135 MB (+5.5%)");
    expect(judged[3].measured).toBe("40 → 37 ms (-7.5%)");
  });

  it("does not judge drift on a run shorter than three minutes", () => {
    const judged = verdicts([minute(1), minute(2)]);
    expect(judged.map((v) => v.met)).toEqual([true, null]);
  });

  it("prints one line a minute with rate, p99, each kind of error and each instance's RSS", () => {
    const line = minuteLine(minute(7, { rps: 998, errors: 2, non2xx: 1, failures: 3 }), 1000);
    expect(line).toBe(
      "minute  7: 998 req/s (asked 1000), p50 10 ms, p99 40 ms, errors 3 (socket 2, non-2xx 1, wrong bytes 0), RSS 130 MB / 128 MB",
    );
  });
});

describe("profile summary", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "profile-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ranks self time by cost, leaves idle and the skipped start-up out, and names the hottest functions", () => {
    const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 9, columnNumber: 0 });
    const nodes = [
      frame("(root)"),
      frame("(idle)"),
      frame("(garbage collector)"),
      frame("unseal", "file:///app/node_modules/iron-session/dist/index.js"),
      frame("executeField", "file:///app/node_modules/@graphql-tools/executor/cjs/execution/execute.js"),
      frame("handleRow", "file:///app/node_modules/pg/lib/result.js"),
      frame("stringify"),
      frame("importModules", "node:internal/modules/esm/loader"),
    ].map((callFrame, i) => ({ id: i + 1, callFrame }));
    // 1 ms per sample: 5 samples of start-up (skipped), then idle 10, GC 4, execute 3, pg 2, JSON 1, unseal 1.
    const samples = [8, 8, 8, 8, 8, ...Array(10).fill(2), ...Array(4).fill(3), 5, 5, 5, 6, 6, 7, 4];
    const file = path.join(dir, "p.cpuprofile");
    writeFileSync(file, JSON.stringify({ nodes, samples, timeDeltas: samples.map(() => 1000) }));
    const text = summarizeProfile(file, 0.0055);
    const rows = text.split("\n").filter((l) => /^\| \d+ \|/.test(l));
    expect(rows.map((r) => r.split(" | ").slice(1, 4))).toEqual([
      ["garbage collection", "4 ms", "36.4%"],
      ["GraphQL execution (@graphql-tools/executor, graphql-js)", "3 ms", "27.3%"],
      ["pg driver (pg, pg-protocol, pg-pool)", "2 ms", "18.2%"],
      ["JSON", "1 ms", "9.1%"],
      ["session unseal (iron-session, WebCrypto)", "1 ms", "9.1%"],
    ]);
    expect(rows[1]).toContain("`executeField @graphql-tools/executor/cjs/execution/execute.js:10` 27.3%");
    expect(text).toContain("idle 48%");
    expect(text).not.toContain("importModules");
  });
});
