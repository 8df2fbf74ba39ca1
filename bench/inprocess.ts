// In-process CPU per request (yoga.fetch, no sockets): quick A/B checks while profiling.
// Usage: tsx bench/inprocess.ts [postgresql|pglite] [requests]
import { hashPassword } from "../src/auth/password.js";
import { BENCH_PASSWORD, extraStudents, HOUSES, LOGIN, STUDENTS } from "./fixtures.js";
import { createMinimalYoga } from "./minimal-yoga.js";
import { buildBenchApp } from "./support.js";

const backend = process.argv[2] ?? "postgresql";
if (backend !== "pglite" && backend !== "postgresql") throw new Error(`unknown backend ${backend}`);
const total = Number(process.argv[3] ?? 3000);
const inFlight = 10;

type Fetch = (init: { cookie?: string; body: string }) => Promise<Response>;

async function measure(name: string, fetchOne: Fetch, init: { cookie?: string; body: string }) {
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < n) {
          const r = await fetchOne(init);
          const text = await r.text();
          if (r.status !== 200) throw new Error(`${name}: ${r.status} ${text}`);
        }
      }),
    );
  };
  await run(300);
  const cpu = process.cpuUsage();
  const t = performance.now();
  await run(total);
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - t;
  console.log(
    `${name.padEnd(28)} ${((used.user + used.system) / 1000 / total).toFixed(3)} ms CPU/req  ${(wall / total).toFixed(3)} ms wall/req`,
  );
}

const { app, dispose } = await buildBenchApp(backend);
await app.db.prisma.student.createMany({ data: extraStudents() });
await app.db.prisma.user.create({
  data: {
    username: "bench-0",
    displayName: "Bench User 0",
    passwordHash: await hashPassword(BENCH_PASSWORD),
    role: "STUDENT",
    house: "GRYFFINDOR",
  },
});
const login = await app.yoga.fetch("http://localhost/graphql", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: LOGIN(0),
});
const seal = /^session=([^;]+)/.exec(login.headers.getSetCookie().find((l) => l.startsWith("session=")) ?? "")?.[1];
if (!seal) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
const cookie = `session=${seal}`;
const tampered = `session=${seal.slice(0, -4)}AAAA`;
const ours: Fetch = async ({ cookie, body }) =>
  app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body,
  });
const sample = await (await ours({ cookie, body: STUDENTS })).text();
const minimal = createMinimalYoga(JSON.parse(sample).data.students);
const min: Fetch = async ({ body }) =>
  minimal.fetch("http://localhost/graphql", { method: "POST", headers: { "content-type": "application/json" }, body });
const only = process.env.ONLY;
const TYPENAME = JSON.stringify({ query: "query T { __typename }" });
const ME = JSON.stringify({ query: "query Me { me { username } }" });
const COUNT = JSON.stringify({ query: "query S { students(house: GRYFFINDOR, first: 25) { totalCount } }" });
const NAME = JSON.stringify({
  query: "query S { students(house: GRYFFINDOR, first: 25) { totalCount edges { node { name } } } }",
});
const NOEMAIL = JSON.stringify({
  query: "query S { students(house: GRYFFINDOR, first: 25) { totalCount edges { node { name year } } } }",
});
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  if (!only || only === "min") await measure("minimal yoga", min, { body: STUDENTS });
  if (!only || only === "tampered") await measure("tampered students", ours, { cookie: tampered, body: STUDENTS });
  if (!only || only === "houses") await measure("anonymous houses", ours, { body: HOUSES });
  if (!only || only === "students") await measure("signed-in students", ours, { cookie, body: STUDENTS });
  if (!only || only === "typename") await measure("anonymous __typename", ours, { body: TYPENAME });
  if (!only || only === "me") await measure("signed-in me", ours, { cookie, body: ME });
  if (!only || only === "count") await measure("signed-in students count", ours, { cookie, body: COUNT });
  if (!only || only === "name") await measure("signed-in students name", ours, { cookie, body: NAME });
  if (!only || only === "noemail") await measure("signed-in students no email", ours, { cookie, body: NOEMAIL });
}
await dispose();
process.exit(0);
