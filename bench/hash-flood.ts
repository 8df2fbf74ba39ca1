// Other users' login latency while one session floods changePassword (64 in flight), in process.
// Usage: tsx bench/hash-flood.ts [pglite|postgresql] [logins] [ms before a refused guess is retried]
import { buildBenchApp } from "./support.js";

const backend = process.argv[2] ?? "pglite";
if (backend !== "pglite" && backend !== "postgresql") throw new Error(`unknown backend ${backend}`);
const logins = Number(process.argv[3] ?? 20);
const retryDelay = Number(process.argv[4] ?? 0);
const FLOOD = 64;
const CAP_MS = 60_000;
const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id } }";
/** The seed's demo accounts (development and test data only). */
const HARRY = { username: "harry", password: "lumos-maxima-1991" };
const LUNA = { username: "luna", password: "nargles-and-wrackspurts" };

const { app, dispose } = await buildBenchApp(backend, { TRUST_PROXY: "1", LOGIN_MAX_FAILURES_PER_ADDRESS: "100000" });

interface Answer {
  status: number;
  cookie: string | null;
  code: string | undefined;
}

/** One POST through yoga.fetch from `address`; the first error code, if any. */
async function post(query: string, variables: Record<string, unknown>, address: string, cookie?: string) {
  const res = await app.yoga.fetch("http://bench/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": address,
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  const set = res.headers.get("set-cookie");
  return {
    status: res.status,
    cookie: set ? set.split(";")[0] : null,
    code: body.errors?.[0]?.extensions?.code,
  } satisfies Answer;
}

/** Sequential luna logins; latency of each in ms. Stops early past CAP_MS. */
async function measure(label: string): Promise<void> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < logins && performance.now() - t0 < CAP_MS; i++) {
    const t = performance.now();
    const res = await post(LOGIN, { u: LUNA.username, p: LUNA.password }, `198.51.100.${(i % 200) + 1}`);
    ms.push(performance.now() - t);
    const code = res.code;
    if (code) console.log(`  ${label}: login ${i} answered ${code}`);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(0);
  console.log(`${label.padEnd(24)} n=${ms.length}  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms`);
}

await measure("idle");
const thief = await post(LOGIN, { u: HARRY.username, p: HARRY.password }, "203.0.113.66");
if (!thief.cookie) throw new Error("the flooding session could not sign in");
let stop = false;
const tally: Record<string, number> = {};
const flood = Array.from({ length: FLOOD }, async (_, w) => {
  for (let i = 0; !stop; i++) {
    const res = await post(
      CHANGE,
      { c: `guess-${w}-${i}`, n: "a-brand-new-password-1" },
      "203.0.113.66",
      thief.cookie ?? "",
    );
    const code = String(res.code ?? res.status);
    tally[code] = (tally[code] ?? 0) + 1;
    // a refused guess is retried after `retryDelay` (0: at once, as a request flood would)
    if (code === "RATE_LIMITED") await new Promise((resolve) => setTimeout(resolve, retryDelay));
  }
});
await new Promise((resolve) => setTimeout(resolve, 500));
await measure(`under ${FLOOD}-wide flood, retry ${retryDelay} ms`);
stop = true;
await Promise.all(flood);
console.log("flood answers:", tally);
await dispose();
