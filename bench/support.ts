// Plumbing shared by the bench and the test helpers: scratch databases, free ports, child processes.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import pg from "pg";

/** The project root, where every script and command is run from. */
export const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * What production start-up requires besides the session secret (passkeys' relying party,
 * where mail goes and links point). No bench scenario sends mail or uses a passkey; the SMTP
 * port is a closed one so that a stray message would fail rather than leave the machine.
 */
export const PRODUCTION_SITE = {
  WEBAUTHN_RP_ID: "localhost",
  WEBAUTHN_ORIGINS: "http://localhost",
  SMTP_URL: "smtp://127.0.0.1:9",
  APP_URL: "http://localhost",
} as const;

/** Runs `run` on one connection to `url`, then closes it. */
export async function withClient<T>(run: (client: pg.Client) => Promise<T>, url: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  /** Drops the database, closing whatever still connects to it. */
  drop(): Promise<void>;
}

/** Creates an empty database named `<prefix>_<time>_<random>` on the server `adminUrl` points at. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withClient((c) => c.query(`CREATE DATABASE "${name}"`), adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), adminUrl).then(() => {}),
  };
}

/** A port nothing listens on right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` from the project root with exactly `env` to its end, `input` on its stdin. */
export function runToEnd(command: string, args: string[], env: Record<string, string>, input = ""): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * A seeded application for an in-process bench on `backend` (a scratch PostgreSQL database,
 * or PGlite in memory), with `env` over quiet test settings. `dispose` closes it and drops
 * the scratch database.
 */
export async function buildBenchApp(backend: "pglite" | "postgresql", env: Record<string, string> = {}) {
  const { buildApplication } = await import("../src/app.js");
  const { loadConfig } = await import("../src/config.js");
  const { IN_MEMORY } = await import("../src/db/client.js");
  const database =
    backend === "postgresql"
      ? await createScratchDatabase(
          process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
          "bench",
        )
      : null;
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    SESSION_SECRET: randomBytes(32).toString("hex"),
    ...env,
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  if (!database) config.dataDir = IN_MEMORY;
  config.migrateOnStart = true;
  config.seedOnStart = true;
  const app = await buildApplication(config);
  return {
    app,
    async dispose() {
      await app.close();
      await database?.drop();
    },
  };
}
