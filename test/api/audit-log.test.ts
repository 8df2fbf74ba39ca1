// Each security event is also a log line (docs/second-factor.md): securityEvent, event, userId,
// detail and address, with a readable message; an event of no known account is only logged.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { DEMO, SECRET } from "../helpers/app.js";
import { BACKENDS, createTestDatabase } from "../helpers/database.js";

const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id } }";

describe.each(BACKENDS)("security events in the log (%s)", (backend) => {
  let app: Application;
  let drop: () => Promise<void>;
  let text = "";
  const lines = () =>
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    const database = await createTestDatabase(backend);
    drop = () => database.drop();
    const config = loadConfig({ NODE_ENV: "test", SESSION_SECRET: SECRET, LOG_LEVEL: "info", ...database.env });
    if (!database.url) config.dataDir = IN_MEMORY;
    config.migrateOnStart = true;
    config.seedOnStart = true;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    app = await buildApplication(config, { log: createLogger(config, sink) });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  async function send(query: string, variables: Record<string, unknown>, cookie = "") {
    return app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  }

  it("logs a failed sign-in with its kind, event, user, detail and address", async () => {
    await send(LOGIN, { u: DEMO.harry.username, p: "wrong-password" });
    const line = lines().find((l) => l.securityEvent === "SIGN_IN_FAILED");
    expect(line).toMatchObject({ event: "login_failed", detail: "pwd", msg: "sign in failed" });
    expect(line?.userId).toEqual(expect.any(String));
    expect(line).toHaveProperty("address");
  });

  it("logs a failed sign-in of nobody without a user, and stores nothing", async () => {
    text = "";
    const before = await app.db.prisma.securityEvent.count();
    await send(LOGIN, { u: "nobody-at-all", p: "wrong-password" });
    const line = lines().find((l) => l.securityEvent === "SIGN_IN_FAILED");
    expect(line).toMatchObject({ event: "login_failed", detail: "pwd" });
    expect(line).not.toHaveProperty("userId");
    expect(await app.db.prisma.securityEvent.count()).toBe(before);
  });

  it("names an event without a log name of its own after its kind, and one without detail has none", async () => {
    const response = await send(LOGIN, { u: DEMO.luna.username, p: DEMO.luna.password });
    const cookie = (response.headers.getSetCookie()[0] ?? "").split(";")[0];
    text = "";
    const reauthenticated = await send(
      "mutation($p: String) { reauthenticate(password: $p) }",
      { p: DEMO.luna.password },
      cookie,
    );
    // A re-authentication moves the session to a new cookie.
    await send("mutation { logoutEverywhere }", {}, (reauthenticated.headers.getSetCookie()[0] ?? "").split(";")[0]);
    const reauth = lines().find((l) => l.securityEvent === "REAUTHENTICATED");
    expect(reauth).toMatchObject({ event: "reauthenticated", msg: "reauthenticated", detail: "pwd" });
    const everywhere = lines().find((l) => l.securityEvent === "SIGNED_OUT_EVERYWHERE");
    expect(everywhere).toMatchObject({ event: "logout_everywhere", msg: "signed out everywhere" });
    expect(everywhere).not.toHaveProperty("detail");
  });
});
