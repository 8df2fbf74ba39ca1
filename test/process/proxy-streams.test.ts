// Subscriptions through the shipped proxy configurations (examples/haproxy, examples/nginx): an
// award reaches an SSE stream and a WebSocket (upgraded with the page's Origin) in milliseconds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import {
  addUser,
  freePort,
  type HttpClient,
  httpClient,
  type Proc,
  ROOT,
  runCommand,
  type Server,
  startServer,
} from "../helpers/process.js";
import { readSse, type SseStream } from "../helpers/sse.js";
import { subscribeWs, wsClient } from "../helpers/ws.js";

const SUB = "subscription($h: House) { pointsAwarded(house: $h) { reason awardedBy { username } } }";
const AWARD =
  "mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { points } }";
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const PROF = { username: "sprout", password: "mandrakes-need-earmuffs-42", role: "PROFESSOR" as const };
const COOKIE = "__Host-session";
/** The longest wait for one event; an award travels proxy -> instance -> Redis -> instance -> proxy. */
const PROMPT_MS = 1000;
/** Awards per stream, and the median delay they must keep under (a proxy holding events back adds ~200 ms). */
const AWARDS = 5;
const MEDIAN_MS = 100;

/** Awards AWARDS times through `at`, reading each event with `next`; returns the delays from each award's response. */
async function delays(
  award: (reason: string) => Promise<unknown>,
  next: () => Promise<{ reason: string; awardedBy: unknown }>,
  label: string,
): Promise<number[]> {
  const measured: number[] = [];
  for (let i = 0; i < AWARDS; i++) {
    const reason = `${label} ${i}`;
    await award(reason);
    const sent = performance.now();
    expect(await next()).toEqual({ reason, awardedBy: { username: PROF.username } });
    measured.push(performance.now() - sent);
  }
  const sorted = [...measured].sort((x, y) => x - y);
  console.log(`${label}: award response to event ${sorted.map((d) => d.toFixed(1)).join(", ")} ms`);
  return sorted;
}

/**
 * examples/nginx/nginx.conf (a sketch for an `http { }` block) inside a runnable main file: the
 * example's addresses and port replaced, temporary paths in `dir`. Throws when the example no
 * longer has the lines replaced, so that the test keeps running the file as shipped.
 */
function nginxConfig(dir: string, port: number, apps: number[]): string {
  let example = readFileSync(path.join(ROOT, "examples/nginx/nginx.conf"), "utf8");
  const swaps: [string, string][] = [
    ["server 10.0.0.11:4000", `server 127.0.0.1:${apps[0]}`],
    ["server 10.0.0.12:4000", `server 127.0.0.1:${apps[1]}`],
    ["listen 80;", `listen 127.0.0.1:${port};`],
  ];
  for (const [from, to] of swaps) {
    expect(example).toContain(from);
    example = example.replace(from, to);
  }
  const file = path.join(dir, "nginx.conf");
  writeFileSync(
    file,
    `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${example}
}
`,
  );
  return file;
}

describe("subscriptions through HAProxy and nginx with the example configurations", () => {
  let db: TestDatabase;
  const servers: Server[] = [];
  const proxies: Proc[] = [];
  const dirs: string[] = [];
  const port = { haproxy: 0, nginx: 0 };

  /** Waits until `/ready` answers 200 through the proxy on `at`. */
  async function untilReady(at: number): Promise<void> {
    for (let n = 0; n < 200; n++) {
      const ok = await fetch(`http://127.0.0.1:${at}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the proxy on ${at} never answered /ready`);
  }

  function startNginx(at: number, apps: number[]): Proc {
    const dir = mkdtempSync(path.join(tmpdir(), "nginx-"));
    dirs.push(dir);
    const file = nginxConfig(dir, at, apps);
    return runCommand("/usr/sbin/nginx", ["-p", dir, "-c", file, "-e", "stderr"], {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    const env = {
      ...db.env,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `hogwarts:proxy-streams-test:${process.pid}:${Date.now()}:`,
      TRUST_PROXY: "1",
      MIGRATE_ON_START: "true",
      DB_TIMEOUT_MS: "30000",
    };
    const apps = [await freePort(), await freePort()];
    // the first migrates alone; the second finds nothing to do
    servers.push(await startServer({ ...env, PORT: String(apps[0]) }));
    servers.push(await startServer({ ...env, PORT: String(apps[1]) }));
    await addUser(db.url as string, PROF);
    port.haproxy = await freePort();
    port.nginx = await freePort();
    proxies.push(
      runCommand("/usr/sbin/haproxy", ["-db", "-f", path.join(ROOT, "examples/haproxy/haproxy.cfg")], {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        LISTEN: `127.0.0.1:${port.haproxy}`,
        APP1: `127.0.0.1:${apps[0]}`,
        APP2: `127.0.0.1:${apps[1]}`,
      }),
      startNginx(port.nginx, apps),
    );
    await Promise.all(Object.values(port).map(untilReady));
  }, 180_000);

  afterAll(async () => {
    for (const proxy of proxies) {
      proxy.child.kill("SIGTERM");
      await proxy.exited;
    }
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const base = (at: number) => `http://127.0.0.1:${at}`;

  async function login(at: number): Promise<HttpClient> {
    const c = httpClient(COOKIE);
    const res = await c.gql(base(at), LOGIN, { u: PROF.username, p: PROF.password });
    expect(res.body.data).toEqual({ login: { username: PROF.username } });
    return c;
  }

  /** Opens an SSE subscription through the proxy on `at`; resolves once the response has begun. */
  async function openSse(at: number, c: HttpClient, house: string): Promise<SseStream> {
    const response = await fetch(`${base(at)}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", cookie: `${COOKIE}=${c.cookie}` },
      body: JSON.stringify({ query: SUB, variables: { h: house } }),
    });
    expect([response.status, response.headers.get("content-type")]).toEqual([200, "text/event-stream"]);
    return readSse(response);
  }

  const via = [
    ["HAProxy", () => port.haproxy],
    ["nginx", () => port.nginx],
  ] as const;

  const awarder = (at: number, c: HttpClient, house: string) => async (reason: string) => {
    const award = await c.gql(base(at), AWARD, { h: house, p: 1, r: reason });
    expect(award.body.errors).toBeUndefined();
  };

  it.each(via)("streams awards over SSE through %s as they happen", async (name, at) => {
    const prof = await login(at());
    // Yoga answers the stream's headers once the subscription is registered.
    const sse = await openSse(at(), prof, "RAVENCLAW");
    const next = async () => {
      const event = await sse.next(PROMPT_MS);
      expect(event.event).toBe("next");
      return event.data.data?.pointsAwarded as { reason: string; awardedBy: unknown };
    };
    const sorted = await delays(awarder(at(), prof, "RAVENCLAW"), next, `SSE through ${name}`);
    expect(sorted[Math.floor(AWARDS / 2)]).toBeLessThan(MEDIAN_MS);
    await sse.close();
  });

  it.each(via)("streams awards over WebSocket through %s as they happen", async (name, at) => {
    const prof = await login(at());
    // A browser's upgrade carries the page's Origin: here the proxy's own.
    const client = wsClient(`ws://127.0.0.1:${at()}/graphql`, prof.cookie, { origin: base(at()) }, COOKIE);
    const sub = subscribeWs(client, SUB, { h: "HUFFLEPUFF" });
    // Awards until one arrives: the subscription is then registered behind the proxy.
    for (let k = 0; ; k++) {
      await prof.gql(base(at()), AWARD, { h: "HUFFLEPUFF", p: 1, r: "warm-up" });
      const seen = await sub.next(300).catch(() => null);
      if (seen) {
        // a refused or failed upgrade shows here as an error
        expect(seen.errors).toBeUndefined();
        break;
      }
      if (k === 20) throw new Error(`no award reached the WebSocket through ${name}`);
    }
    // a late warm-up award may still be on its way
    while (await sub.next(300).catch(() => null));
    const next = async () => {
      const result = await sub.next(PROMPT_MS);
      expect(result.errors).toBeUndefined();
      return result.data?.pointsAwarded as { reason: string; awardedBy: unknown };
    };
    const sorted = await delays(awarder(at(), prof, "HUFFLEPUFF"), next, `WebSocket through ${name}`);
    expect(sorted[Math.floor(AWARDS / 2)]).toBeLessThan(MEDIAN_MS);
    await client.dispose();
  });
});
