// A configuration mistake stops the real server process with one line naming the variable.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { baseEnv, freePort, run } from "../helpers/process.js";

async function start(env: Record<string, string>) {
  const proc = run("src/server.ts", baseEnv(env));
  const { code } = await proc.exited;
  return { code, stderr: proc.stderr(), stdout: proc.stdout() };
}

/** Exit 1, exactly one line on stderr starting `error:` and naming `variable`, no stack. */
function expectOneLine(result: { code: number | null; stderr: string }, variable: string) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(variable);
  expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
}

describe("start-up configuration errors (server process)", () => {
  let db: TestDatabase;
  let closedPort: number;
  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    closedPort = await freePort();
  });
  afterAll(() => db?.drop());

  const cases: [string, () => Record<string, string>, string][] = [
    ["a malformed DATABASE_URL", () => ({ DATABASE_URL: "not a url" }), "DATABASE_URL"],
    ["a DATABASE_URL of another kind", () => ({ DATABASE_URL: "mysql://root@127.0.0.1/x" }), "DATABASE_URL"],
    [
      "an unreachable database",
      () => ({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${closedPort}/nothing` }),
      "DATABASE_URL",
    ],
    [
      "a database that does not exist",
      () => ({ DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/no_such_database_for_config_errors" }),
      "DATABASE_URL",
    ],
    ["a short secret in production", () => ({ ...db.env, SESSION_SECRET: "too-short" }), "SESSION_SECRET"],
    ["no secret in production", () => ({ ...db.env, SESSION_SECRET: "" }), "SESSION_SECRET"],
    ["a PORT that is not a number", () => ({ ...db.env, PORT: "http" }), "PORT"],
    ["a PORT out of range", () => ({ ...db.env, PORT: "70000" }), "PORT"],
    ["an unknown LOG_LEVEL", () => ({ ...db.env, LOG_LEVEL: "loud" }), "LOG_LEVEL"],
    ["a DB_TIMEOUT_MS of zero", () => ({ ...db.env, DB_TIMEOUT_MS: "0" }), "DB_TIMEOUT_MS"],
    ["a bad SHUTDOWN_TIMEOUT_MS", () => ({ ...db.env, SHUTDOWN_TIMEOUT_MS: "soon" }), "SHUTDOWN_TIMEOUT_MS"],
    ["a bad MIGRATE_ON_START", () => ({ ...db.env, MIGRATE_ON_START: "maybe" }), "MIGRATE_ON_START"],
    ["no WebAuthn origins in production", () => ({ ...db.env, WEBAUTHN_ORIGINS: "" }), "WEBAUTHN_ORIGINS"],
    ["no WebAuthn RP id in production", () => ({ ...db.env, WEBAUTHN_RP_ID: "" }), "WEBAUTHN_RP_ID"],
    [
      "a WebAuthn origin with a path",
      () => ({ ...db.env, WEBAUTHN_ORIGINS: "https://example.com/account" }),
      "WEBAUTHN_ORIGINS",
    ],
    [
      "a __Host- cookie name without Secure",
      () => ({ ...db.env, SESSION_COOKIE_NAME: "__Host-session", SESSION_COOKIE_SECURE: "false" }),
      "SESSION_COOKIE_NAME=__Host-session needs SESSION_COOKIE_SECURE=true",
    ],
    ["no SMTP_URL in production", () => ({ DATABASE_URL: db.url ?? "", SMTP_URL: "" }), "SMTP_URL"],
    ["an SMTP_URL of another kind", () => ({ DATABASE_URL: db.url ?? "", SMTP_URL: "http://mail" }), "SMTP_URL"],
    ["no APP_URL in production", () => ({ DATABASE_URL: db.url ?? "", APP_URL: "" }), "APP_URL"],
    ["an APP_URL with a fragment", () => ({ DATABASE_URL: db.url ?? "", APP_URL: "https://a.example/#x" }), "APP_URL"],
    [
      "a MAIL_FROM with a line break",
      () => ({ DATABASE_URL: db.url ?? "", MAIL_FROM: "a@b.example\nBcc: c@d.example" }),
      "MAIL_FROM",
    ],
  ];

  it.concurrent.each(cases)(
    "stops on %s with exit code 1 and one line naming the variable",
    async (_name, env, variable) => {
      expectOneLine(await start(env()), variable);
    },
  );

  it("stops with one line naming PORT when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      expectOneLine(await start({ ...db.env, PORT: String(port) }), "PORT");
    } finally {
      blocker.close();
    }
  });

  it("never prints the database password when the database is unreachable", async () => {
    const result = await start({ DATABASE_URL: `postgresql://postgres:hunter2-secret@127.0.0.1:${closedPort}/x` });
    expectOneLine(result, "DATABASE_URL");
    expect(result.stderr + result.stdout).not.toContain("hunter2");
  });
});
