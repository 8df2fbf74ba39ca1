// Secrets never reach the logs: passwords, cookies, the session secret, a Redis password.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { DEMO, SECRET } from "../helpers/app.js";
import { BACKENDS, type Backend, createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { LOGIN, raw } from "../helpers/http.js";

const REDIS_PASSWORD = "redis-password-never-logged";

/** An application at the most talkative log level, its log lines kept in memory. */
async function appWithCapturedLog(backend: Backend, env: Record<string, string>, lines: string[]) {
  const database: TestDatabase = await createTestDatabase(backend);
  const config = loadConfig({
    NODE_ENV: "test",
    SESSION_SECRET: SECRET,
    LOG_LEVEL: "trace",
    ...database.env,
    ...env,
  });
  if (!database.url) config.dataDir = IN_MEMORY;
  config.migrateOnStart = true;
  config.seedOnStart = true;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = await buildApplication(config, { log: createLogger(config, sink) });
  return { app, drop: () => database.drop() };
}

/** The session cookie value a response set, if any. */
function cookieOf(headers: Headers): string | null {
  const line = headers.getSetCookie().find((l) => l.startsWith("session="));
  return line ? line.slice("session=".length).split(";")[0] : null;
}

describe.each(BACKENDS)("secrets stay out of the logs (%s)", (backend) => {
  const lines: string[] = [];
  let app: Application;
  let down: Application;
  const drops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const a = await appWithCapturedLog(backend, {}, lines);
    // Redis that is not there (port 1 refuses): login fails with a masked, logged error
    const b = await appWithCapturedLog(backend, { REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:1` }, lines);
    app = a.app;
    down = b.app;
    drops.push(a.drop, b.drop);
  });
  afterAll(async () => {
    await Promise.all([app?.close(), down?.close()]);
    await Promise.all(drops.map((d) => d()));
  });

  it("logs a failed and a successful login, a logout and a masked error without any secret", async () => {
    const wrongPassword = "wrong-password-never-logged";
    const failed = await raw(app, { query: LOGIN, variables: { u: "harry", p: wrongPassword } });
    expect(failed.body.errors?.[0].extensions?.code).toBe("INVALID_CREDENTIALS");

    const ok = await raw(app, { query: LOGIN, variables: { u: "harry", p: DEMO.harry.password } });
    const cookie = cookieOf(ok.headers);
    expect(cookie).toMatch(/^Fe26\.2\*/);
    const headers = { cookie: `session=${cookie}` };
    expect((await raw(app, { query: "{ me { username } }" }, { headers })).body.data).toEqual({
      me: { username: "harry" },
    });
    expect((await raw(app, { query: "mutation { logout }" }, { headers })).body.data).toEqual({ logout: true });

    const masked = await raw(down, { query: LOGIN, variables: { u: "luna", p: DEMO.luna.password } });
    expect(masked.body.errors?.[0].message).toBe("Unexpected error.");

    const log = lines.join("");
    // the events were logged at all, so an empty log cannot pass this test
    expect(log).toContain('"event":"login_failed"');
    expect(log).toContain('"event":"login"');
    expect(log).toContain('"event":"logout"');
    expect(log).toContain("unexpected error");
    for (const secret of [
      wrongPassword,
      DEMO.harry.password,
      DEMO.luna.password,
      cookie as string,
      (cookie as string).slice(10, 40), // any part of the seal
      SECRET,
      REDIS_PASSWORD,
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it("redacts secrets even when code logs them by name", () => {
    const before = lines.length;
    app.log.info({ password: "p1-secret", headers: { cookie: "session=abc-secret" }, user: { password: "p2-secret" } });
    const line = lines.slice(before).join("");
    expect(line).toContain("[redacted]");
    expect(line).not.toMatch(/p1-secret|abc-secret|p2-secret/);
  });
});
