// Behind HAProxy (examples/haproxy/haproxy.cfg as shipped): the throttle sees the client's
// address, and a rolling restart under load fails no request thanks to the drain.
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { addUser, freePort, type Proc, ROOT, runCommand, type Server, startServer } from "../helpers/process.js";

const HAPROXY = "/usr/sbin/haproxy";
const CONFIG = path.join(ROOT, "examples/haproxy/haproxy.cfg");
const PROF = { username: "flitwick", password: "wingardium-leviosa-42", role: "PROFESSOR" as const };
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const ME = "{ me { username } }";
/** Longer than HAProxy's two failed checks 200 ms apart, with room for a busy machine. */
const DRAIN_MS = 2000;
const LOAD_LOOPS = 4;

interface Answer {
  status: number;
  cookie: string | null;
  json: {
    data?: { me?: { username: string } | null; login?: { username: string } } | null;
    errors?: { extensions?: { code?: string } }[];
  };
}

/** One GraphQL POST through the proxy; `localAddress` picks the client's loopback address. */
function post(
  port: number,
  query: string,
  options: { variables?: unknown; headers?: Record<string, string>; agent?: http.Agent; localAddress?: string } = {},
): Promise<Answer> {
  const body = JSON.stringify({ query, variables: options.variables });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent: options.agent ?? false,
        localAddress: options.localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...options.headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk) => {
          text += chunk;
        });
        res.on("error", reject);
        res.on("end", () => {
          const cookie = /^__Host-session=([^;]*)/.exec(res.headers["set-cookie"]?.[0] ?? "")?.[1] ?? null;
          try {
            resolve({ status: res.statusCode ?? 0, cookie, json: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, cookie, json: {} });
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("two instances behind HAProxy checking /ready", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const ports: number[] = [];
  const servers: Server[] = [];
  let proxy: Proc;
  let proxyPort: number;

  /** Starts instance `i` on its fixed port (HAProxy's server line names it). */
  const startInstance = async (i: number, drainMs: number) => {
    servers[i] = await startServer({ ...env, PORT: String(ports[i]), SHUTDOWN_DRAIN_MS: String(drainMs) });
  };

  /** Resolves once instance `i` has answered a GraphQL request sent through the proxy. */
  const routedTo = (i: number) => servers[i].waitFor((l) => l.msg === "request", 30_000);

  /** Sends requests through the proxy until instance `i` has answered one (HAProxy saw it up). */
  const untilRouted = async (i: number) => {
    for (let n = 0; n < 300 && !servers[i].lines.some((l) => l.msg === "request"); n++) {
      await post(proxyPort, ME).catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
    await routedTo(i);
  };

  /** SIGTERM to instance `i`, a clean exit, and a new process on the same port with `drainMs`. */
  const replace = async (i: number, drainMs: number) => {
    expect(await servers[i].stop("SIGTERM")).toEqual({ code: 0, signal: null });
    await startInstance(i, drainMs);
  };

  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    env = {
      DATABASE_URL: db.url as string,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `hogwarts:proxy-test:${process.pid}:${Date.now()}:`,
      TRUST_PROXY: "1",
      LOGIN_MAX_FAILURES_PER_ADDRESS: "3",
      LOGIN_MAX_FAILURES_PER_USER: "1000",
      MIGRATE_ON_START: "true",
      DB_TIMEOUT_MS: "30000",
    };
    ports.push(await freePort(), await freePort());
    proxyPort = await freePort();
    // the first migrates alone; the second finds nothing to do
    await startInstance(0, DRAIN_MS);
    await startInstance(1, DRAIN_MS);
    await addUser(db.url as string, PROF);
    proxy = runCommand(HAPROXY, ["-db", "-f", CONFIG], {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      LISTEN: `127.0.0.1:${proxyPort}`,
      APP1: `127.0.0.1:${ports[0]}`,
      APP2: `127.0.0.1:${ports[1]}`,
    });
    await untilRouted(0);
    await untilRouted(1);
  }, 180_000);

  afterAll(async () => {
    proxy?.child.kill("SIGTERM");
    await proxy?.exited;
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop();
  });

  it("throttles the address the proxy saw, whatever X-Forwarded-For the client writes", async () => {
    const attempt = (localAddress: string, password: string, forged: string) =>
      post(proxyPort, LOGIN, {
        variables: { u: PROF.username, p: password },
        headers: { "x-forwarded-for": forged },
        localAddress,
      });
    // three failures from 127.0.0.2, each claiming another address, spread over both instances
    for (const forged of ["10.0.0.1", "10.0.0.2, 10.9.9.9", "203.0.113.7"]) {
      const failed = await attempt("127.0.0.2", "wrong-password", forged);
      expect(failed.json.errors?.[0].extensions?.code, JSON.stringify(failed)).toBe("INVALID_CREDENTIALS");
    }
    // the fourth is refused before the password is checked, even the right one from a "new" address
    const locked = await attempt("127.0.0.2", PROF.password, "198.51.100.1");
    expect(locked.json.errors?.[0].extensions?.code).toBe("RATE_LIMITED");
    expect(locked.cookie).toBeNull();
    // another client of the same proxy is not locked: the key is not the proxy's own address
    const other = await attempt("127.0.0.3", PROF.password, "10.0.0.1");
    expect(other.json.data?.login).toEqual({ username: PROF.username });
    const throttled = servers.flatMap((s) => s.lines).filter((l) => l.msg === "throttled");
    expect(throttled.map((l) => l.address)).toEqual(["127.0.0.2"]);
  });

  /**
   * Signs in, runs LOAD_LOOPS loops of `me` POSTs through the proxy on keep-alive connections,
   * restarts each instance in turn, and counts the answers that were not 200 with the user.
   */
  const rollingRestart = async (drainMs: number) => {
    const login = await post(proxyPort, LOGIN, {
      variables: { u: PROF.username, p: PROF.password },
      localAddress: "127.0.0.4",
    });
    expect(login.cookie).toBeTruthy();
    const headers = { cookie: `__Host-session=${login.cookie}` };
    let running = true;
    let sent = 0;
    const failures: string[] = [];
    const loop = async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (running) {
        sent++;
        try {
          const answer = await post(proxyPort, ME, { headers, agent });
          if (answer.status !== 200 || answer.json.data?.me?.username !== PROF.username) {
            failures.push(`${answer.status} ${JSON.stringify(answer.json).slice(0, 100)}`);
          }
        } catch (error) {
          failures.push((error as NodeJS.ErrnoException).code ?? String(error));
        }
      }
      agent.destroy();
    };
    const loops = Array.from({ length: LOAD_LOOPS }, loop);
    await new Promise((r) => setTimeout(r, 500));
    for (const i of [0, 1]) {
      await replace(i, drainMs);
      await routedTo(i);
    }
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await Promise.all(loops);
    return { sent, failures };
  };

  it("restarts each instance in turn under load with zero failed requests (drain on)", async () => {
    const { sent, failures } = await rollingRestart(DRAIN_MS);
    console.log(`rolling restart with SHUTDOWN_DRAIN_MS=${DRAIN_MS}: ${sent} requests, ${failures.length} failed`);
    expect(sent).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  }, 120_000);

  it("fails requests in the same restart without the drain (SHUTDOWN_DRAIN_MS=0)", async () => {
    // the processes that will get SIGTERM must be ones started without a drain
    for (const i of [0, 1]) {
      await replace(i, 0);
      await untilRouted(i);
    }
    const { sent, failures } = await rollingRestart(0);
    console.log(
      `rolling restart with SHUTDOWN_DRAIN_MS=0: ${sent} requests, ${failures.length} failed (${[...new Set(failures)].join("; ")})`,
    );
    expect(sent).toBeGreaterThan(100);
    expect(failures.length).toBeGreaterThan(0);
  }, 180_000);
});
