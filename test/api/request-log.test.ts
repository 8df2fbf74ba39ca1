// Structured request logs: one JSON line per request with its id, operation, user, duration
// and outcome; auth events carry the same id; no password, cookie or secret ever appears.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { DEMO, SECRET } from "../helpers/app.js";
import { BACKENDS, createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { baseEnv, ROOT } from "../helpers/process.js";

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  [key: string]: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOGIN = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { id } }";

describe.each(BACKENDS)("request logs (%s)", (backend) => {
  let database: TestDatabase;
  let app: Application;
  let raw = "";
  const lines = (): Line[] =>
    raw
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const config = loadConfig({
      NODE_ENV: "test",
      SESSION_SECRET: SECRET,
      DATA_DIR: IN_MEMORY,
      LOG_LEVEL: "trace", // everything, so that nothing secret can hide below the level
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    if (!database.url) config.dataDir = IN_MEMORY; // loadConfig resolves DATA_DIR to a path
    config.migrateOnStart = true;
    config.seedOnStart = true;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        raw += chunk.toString();
        done();
      },
    });
    app = await buildApplication(config, { log: createLogger(config, sink) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function gql(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
    operationName?: string,
  ) {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables, operationName }),
    });
    const body = await response.json();
    return { response, body, id: response.headers.get("x-request-id") as string };
  }
  const requestLine = (id: string) => lines().find((l) => l.msg === "request" && l.reqId === id);
  const cookieOf = (response: Response) => /session=([^;]*)/.exec(response.headers.getSetCookie().join("\n"))?.[1];

  it("echoes a sane x-request-id and logs the request with its operation, duration and outcome", async () => {
    const { id } = await gql("query Houses { houses { house } }", {}, { "x-request-id": "req-abc.123" }, "Houses");
    expect(id).toBe("req-abc.123");
    expect(requestLine(id)).toMatchObject({
      level: 30,
      method: "POST",
      path: "/graphql",
      status: 200,
      operation: "Houses",
      operationType: "query",
      fields: ["houses"],
      userId: null,
      outcome: "ok",
    });
    expect(requestLine(id)?.durationMs).toEqual(expect.any(Number));
  });

  it.each([
    ["spaces and quotes", 'a b"c'],
    ["a JSON fragment", '{"level":60}'],
    ["200 characters", "x".repeat(200)],
  ])("replaces an x-request-id with %s by a generated one", async (_name, offered) => {
    const { id } = await gql("{ houses { house } }", {}, { "x-request-id": offered });
    expect(id).toMatch(UUID);
    expect(requestLine(id)).toBeDefined();
    expect(raw).not.toContain(offered);
  });

  it("generates a request id when none is sent", async () => {
    const { id } = await gql("{ houses { house } }");
    expect(id).toMatch(UUID);
    expect(requestLine(id)?.operation).toBeNull();
  });

  it("logs errors as the outcome with their codes", async () => {
    const { id } = await gql("{ students(house: GRYFFINDOR) { totalCount } }");
    expect(requestLine(id)).toMatchObject({ outcome: "error", errors: ["UNAUTHENTICATED"], status: 200 });
    const invalid = await gql("{ nope }");
    expect(requestLine(invalid.id)).toMatchObject({ outcome: "error", errors: ["GRAPHQL_VALIDATION_FAILED"] });
  });

  it("logs auth events and the signed-in user with the request id", async () => {
    const failed = await gql(LOGIN, { u: DEMO.luna.username, p: "wrong-password-1" }, { "x-request-id": "lf-1" });
    expect(lines().find((l) => l.event === "login_failed")?.reqId).toBe(failed.id);
    expect(requestLine("lf-1")).toMatchObject({ outcome: "error", errors: ["INVALID_CREDENTIALS"] });

    const ok = await gql(LOGIN, { u: DEMO.luna.username, p: DEMO.luna.password }, { "x-request-id": "li-1" });
    const userId = ok.body.data.login.id as string;
    const event = lines().find((l) => l.event === "login" && l.reqId === "li-1");
    expect(event?.userId).toBeTruthy();
    expect(requestLine("li-1")).toMatchObject({ operation: "Login", fields: ["login"], outcome: "ok" });
    expect(requestLine("li-1")?.userId).toBe(event?.userId);

    const cookie = `session=${cookieOf(ok.response)}`;
    const me = await gql("{ me { id } }", {}, { cookie, "x-request-id": "me-1" });
    expect(me.body.data.me.id).toBe(userId);
    expect(requestLine("me-1")?.userId).toBe(event?.userId);

    await gql("mutation { logout }", {}, { cookie, "x-request-id": "lo-1" });
    expect(lines().find((l) => l.event === "logout")?.reqId).toBe("lo-1");
  });

  it("never writes a password, a cookie or the secret, at any level", async () => {
    const password = DEMO.harry.password;
    const newPassword = "a-brand-new-password-of-his-own";
    const login = await gql(LOGIN, { u: DEMO.harry.username, p: password });
    const sealed = cookieOf(login.response) as string;
    expect(sealed.length).toBeGreaterThan(20);
    const cookie = `session=${sealed}`;
    await gql("{ me { username } mySessions { id } }", {}, { cookie });
    await gql(
      "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
      { c: "not-the-password-xyz", n: newPassword },
      { cookie },
    );
    const changed = await gql(
      "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
      { c: password, n: newPassword },
      { cookie },
    );
    expect(changed.body.data).toEqual({ changePassword: true });
    await gql(LOGIN, { u: DEMO.harry.username, p: password }); // the old one now fails
    expect(lines().some((l) => l.event === "change_password")).toBe(true);
    for (const secret of [password, newPassword, "not-the-password-xyz", sealed, SECRET]) {
      expect(raw).not.toContain(secret);
    }
    expect(raw).not.toMatch(/session=/);
  });
});

describe("development logs", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase("postgresql");
    dataDir = mkdtempSync(path.join(tmpdir(), "issue5-dev-"));
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("are pretty, not JSON, on a terminal in development", async () => {
    // `script` gives the server a terminal, as `npm start` in a shell does.
    const env = baseEnv({ NODE_ENV: "development", DATABASE_URL: database.url as string, DATA_DIR: dataDir });
    delete env.SESSION_SECRET;
    const child = spawn("script", ["-qefc", `${process.execPath} --import tsx src/server.ts`, "/dev/null"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 90_000);
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("GraphQL API ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
      await ready;
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    const readyLine = out.split("\n").find((l) => l.includes("GraphQL API ready")) ?? "";
    expect(readyLine).toMatch(/INFO/);
    expect(() => JSON.parse(readyLine)).toThrow();
    expect(out).not.toMatch(/^\{"level"/m);
  });
});
