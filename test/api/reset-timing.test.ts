// requestPasswordReset takes the same time for known and unknown addresses: interleaved samples with a control.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";

const REQUEST = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const ROUNDS = 60;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((x, y) => x - y);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

describe.each(BACKENDS)("reset request timing (%s)", (backend) => {
  let app: TestApp;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
    // Limits out of the way: every sample must reach the database.
    app = await createTestApp(backend, {
      SMTP_URL: smtp.url,
      LOGIN_MAX_FAILURES_PER_USER: "1000000",
      LOGIN_MAX_FAILURES_PER_ADDRESS: "1000000",
    });
  });
  afterAll(async () => {
    await app?.dispose();
    await smtp?.stop();
  });

  async function timed(e: string): Promise<number> {
    const started = performance.now();
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: REQUEST, variables: { e } }),
    });
    const body = await response.text();
    const ms = performance.now() - started;
    expect(body).toBe('{"data":{"requestPasswordReset":true}}');
    return ms;
  }

  it("answers a known and an unknown address alike (medians and p90 printed)", async () => {
    const arms = { known: [] as number[], unknown: [] as number[], control: [] as number[] };
    for (let i = 0; i < 5; i++) await timed(`warm-${i}@nowhere.test`);
    for (let i = 0; i < ROUNDS; i++) {
      // A new order each round, so that drift and the worker's passes fall on every arm alike.
      const order = (["known", "unknown", "control"] as const)
        .map((arm) => ({ arm, key: Math.random() }))
        .sort((x, y) => x.key - y.key);
      for (const { arm } of order) {
        const e =
          arm === "known" ? `${["harry", "luna", "mcgonagall"][i % 3]}@hogwarts.test` : `${arm}-${i}@nowhere.test`;
        arms[arm].push(await timed(e));
      }
    }
    const s = { known: summary(arms.known), unknown: summary(arms.unknown), control: summary(arms.control) };
    const f = (x: { median: number; p90: number }) => `median ${x.median.toFixed(2)} ms, p90 ${x.p90.toFixed(2)} ms`;
    console.log(
      `${backend}: ${ROUNDS} rounds; known ${f(s.known)}; unknown ${f(s.unknown)}; control (unknown) ${f(s.control)}`,
    );
    // A loose sanity bound only: timing is measured, not asserted tightly.
    expect(s.known.median).toBeLessThan(s.unknown.median * 2 + 5);
    expect(s.unknown.median).toBeLessThan(s.known.median * 2 + 5);
  }, 120_000);
});
