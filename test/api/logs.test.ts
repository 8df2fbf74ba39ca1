// Logs: one JSON line per request with its id, operation, user, duration and outcome; auth
// events carry the same id; no password, cookie or secret ever appears, at any level.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { DEMO, SECRET } from "../helpers/app.js";
import { BACKENDS, type Backend, createTestDatabase } from "../helpers/database.js";

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  [key: string]: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOGIN = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { id } }";
const REDIS_PASSWORD = "redis-password-never-logged";

/** An application at the most talkative log level, its log kept in memory. */
async function appWithCapturedLog(backend: Backend, env: Record<string, string> = {}) {
  const database = await createTestDatabase(backend);
  const config = loadConfig({
    NODE_ENV: "test",
    SESSION_SECRET: SECRET,
    LOG_LEVEL: "trace", // everything, so that nothing secret can hide below the level
    ...database.env,
    ...env,
  });
  if (!database.url) config.dataDir = IN_MEMORY;
  config.migrateOnStart = true;
  config.seedOnStart = true;
  const log = { text: "" };
  const sink = new Writable({
    write(chunk, _encoding, done) {
      log.text += String(chunk);
      done();
    },
  });
  const app = await buildApplication(config, { log: createLogger(config, sink) });
  return { app, log, drop: () => database.drop() };
}

/** The session cookie value a response set, if any. */
const cookieOf = (response: Response) => /session=([^;]*)/.exec(response.headers.getSetCookie().join("\n"))?.[1];

describe.each(BACKENDS)("logs (%s)", (backend) => {
  let app: Application;
  /** Redis that is not there (port 1 refuses): login fails with a masked, logged error. */
  let down: Application;
  /** What each app logged: `app`'s first, then `down`'s. */
  const logs: { text: string }[] = [];
  const logged = () => logs.map((l) => l.text).join("");
  const drops: (() => Promise<void>)[] = [];
  const lines = (): Line[] =>
    logged()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    const [a, b] = await Promise.all([
      appWithCapturedLog(backend),
      appWithCapturedLog(backend, { REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:1` }),
    ]);
    app = a.app;
    down = b.app;
    drops.push(a.drop, b.drop);
    logs.push(a.log, b.log);
  });
  afterAll(async () => {
    await Promise.all([app?.close(), down?.close()]);
    await Promise.all(drops.map((d) => d()));
  });

  async function gql(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
    operationName?: string,
    to: Application = app,
  ) {
    const response = await to.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables, operationName }),
    });
    const body = await response.json();
    return { response, body, id: response.headers.get("x-request-id") as string };
  }
  const requestLine = (id: string) => lines().find((l) => l.msg === "request" && l.reqId === id);

  describe("one line per request", () => {
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
      // fields are the operation's own top-level fields: a fragment spread or inline fragment adds none
      const mixed = await gql(
        "{ houses { house } ...Extra ... on Query { __typename } } fragment Extra on Query { me { id } }",
      );
      expect(requestLine(mixed.id)?.fields).toEqual(["houses"]);
    });

    it.each([
      ["spaces and quotes", 'a b"c'],
      ["a JSON fragment", '{"level":60}'],
      ["200 characters", "x".repeat(200)],
    ])("replaces an x-request-id with %s by a generated one", async (_name, offered) => {
      const { id } = await gql("{ houses { house } }", {}, { "x-request-id": offered });
      expect(id).toMatch(UUID);
      expect(requestLine(id)).toBeDefined();
      expect(logged()).not.toContain(offered);
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
  });

  describe("secrets stay out", () => {
    it("logs a failed and a successful login, a logout and a masked error without any secret", async () => {
      const wrongPassword = "wrong-password-never-logged";
      const failed = await gql(LOGIN, { u: "harry", p: wrongPassword }, { "x-request-id": "harry-out" });
      expect(failed.body.errors?.[0].extensions?.code).toBe("INVALID_CREDENTIALS");

      const ok = await gql(LOGIN, { u: "harry", p: DEMO.harry.password }, { "x-request-id": "harry-in" });
      const cookie = cookieOf(ok.response);
      expect(cookie).toMatch(/^Fe26\.2\*/);
      const headers = { cookie: `session=${cookie}` };
      expect((await gql("{ me { username } }", {}, headers)).body.data).toEqual({ me: { username: "harry" } });
      expect((await gql("mutation { logout }", {}, headers)).body.data).toEqual({ logout: true });

      const masked = await gql(LOGIN, { u: "luna", p: DEMO.luna.password }, {}, undefined, down);
      expect(masked.body.errors?.[0].message).toBe("Unexpected error.");

      // the events were logged at all, so an empty log cannot pass this test
      expect(lines().some((l) => l.event === "login_failed" && l.reqId === "harry-out")).toBe(true);
      expect(lines().some((l) => l.event === "login" && l.reqId === "harry-in")).toBe(true);
      expect(logged()).toContain('"event":"logout"');
      expect(logged()).toContain("unexpected error");
      for (const secret of [
        wrongPassword,
        DEMO.harry.password,
        DEMO.luna.password,
        cookie as string,
        (cookie as string).slice(10, 40), // any part of the seal
        SECRET,
        REDIS_PASSWORD,
      ]) {
        expect(logged()).not.toContain(secret);
      }
    });

    it("redacts secrets even when code logs them by name", () => {
      const before = logs[0].text.length;
      app.log.info({
        password: "p1-secret",
        headers: { cookie: "session=abc-secret" },
        user: { password: "p2-secret" },
      });
      const line = logs[0].text.slice(before);
      expect(line).toContain("[redacted]");
      expect(line).not.toMatch(/p1-secret|abc-secret|p2-secret/);
    });

    it("never writes a password, a cookie or the secret, at any level", async () => {
      const password = DEMO.harry.password;
      const newPassword = "quill-ink-parchment-lantern-77";
      const login = await gql(LOGIN, { u: DEMO.harry.username, p: password });
      const sealed = cookieOf(login.response) as string;
      expect(sealed.length).toBeGreaterThan(20);
      const cookie = `session=${sealed}`;
      await gql("{ me { username } mySessions { id } }", {}, { cookie });
      const change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
      await gql(change, { c: "not-the-password-xyz", n: newPassword }, { cookie });
      const changed = await gql(change, { c: password, n: newPassword }, { cookie });
      expect(changed.body.data).toEqual({ changePassword: true });
      await gql(LOGIN, { u: DEMO.harry.username, p: password }); // the old one now fails
      expect(lines().some((l) => l.event === "change_password")).toBe(true);
      for (const secret of [password, newPassword, "not-the-password-xyz", sealed, SECRET]) {
        expect(logged()).not.toContain(secret);
      }
      expect(logged()).not.toMatch(/session=/);
    });
  });
});
