// Other users' login latency while one session floods changePassword (64 in flight), in process.
// Usage: tsx bench/hash-flood.ts [pglite|postgresql] [logins] [ms before a refused guess is retried]
import { codes, createTestApp, DEMO } from "../test/helpers/app.js";
import type { Backend } from "../test/helpers/database.js";
import { loginFrom } from "../test/helpers/http.js";

const backend = (process.argv[2] ?? "pglite") as Backend;
const logins = Number(process.argv[3] ?? 20);
const retryDelay = Number(process.argv[4] ?? 0);
const FLOOD = 64;
const CAP_MS = 60_000;
const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";

const app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_ADDRESS: "100000" });

/** Sequential luna logins; latency of each in ms. Stops early past CAP_MS. */
async function measure(label: string): Promise<void> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < logins && performance.now() - t0 < CAP_MS; i++) {
    const t = performance.now();
    const res = await loginFrom(app, `198.51.100.${(i % 200) + 1}`, DEMO.luna.username, DEMO.luna.password);
    ms.push(performance.now() - t);
    const code = codes(res)[0];
    if (code) console.log(`  ${label}: login ${i} answered ${code}`);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(0);
  console.log(`${label.padEnd(24)} n=${ms.length}  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms`);
}

await measure("idle");
const thief = app.client();
await thief.login(DEMO.harry.username, DEMO.harry.password);
let stop = false;
const tally: Record<string, number> = {};
const flood = Array.from({ length: FLOOD }, async (_, w) => {
  for (let i = 0; !stop; i++) {
    const res = await thief.gql(CHANGE, { c: `guess-${w}-${i}`, n: "a-brand-new-password-1" });
    const code = String(codes(res)[0] ?? res.status);
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
await app.dispose();
