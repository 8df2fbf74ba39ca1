// Real server processes for tests: spawn, read the port from the log, talk HTTP, signal.
import { type ChildProcess, spawn } from "node:child_process";
import { type Finished, ROOT, runToEnd } from "../../bench/support.js";
import { SECRET } from "./app.js";

export { ROOT };

/** A clean production-like environment: nothing leaks in from the developer's shell. */
export function baseEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    SESSION_SECRET: SECRET,
    WEBAUTHN_RP_ID: "localhost",
    WEBAUTHN_ORIGINS: "http://localhost:4000",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    // No proxy waits on these servers; the drain has its own tests.
    SHUTDOWN_DRAIN_MS: "0",
    // Required in production; nothing listens on the discard port, so nothing is sent.
    APP_URL: "http://127.0.0.1",
    SMTP_URL: "smtp://127.0.0.1:9",
    ...env,
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Proc {
  child: ChildProcess;
  /** Every stdout line parsed as JSON (non-JSON lines kept as `{ msg: raw }`). */
  lines: LogLine[];
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line matching, waiting up to `timeoutMs`. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** Runs `node --import tsx <script>` from the project root with exactly `env`. */
export function run(script: string, env: Record<string, string>, args: string[] = []): Proc {
  return runCommand(process.execPath, ["--import", "tsx", script, ...args], env);
}

/** Runs any command from the project root with exactly `env`, collecting its log lines. */
export function runCommand(command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let partial = "";
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const raw of parts) {
      if (!raw.trim()) continue;
      try {
        lines.push(JSON.parse(raw));
      } catch {
        lines.push({ level: 0, msg: raw });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      // let the last stdout chunks arrive
      setTimeout(() => {
        for (const wake of waiters) wake();
        resolve({ code, signal });
      }, 50);
    });
  });
  let done = false;
  exited.then(() => {
    done = true;
    for (const wake of waiters) wake();
  });
  return {
    child,
    lines,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(match, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no matching log line in ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const found = lines.find(match);
          if (found) finish(undefined, found);
          else if (done) finish(new Error(`process exited first; stderr: ${err.trim()}`));
        };
        function finish(error?: Error, line?: LogLine) {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(line as LogLine);
        }
        waiters.add(check);
        check();
      });
    },
  };
}

export interface Server extends Proc {
  port: number;
  url: string;
  /** Sends `signal` and resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The "ready" line every server (and cluster worker) logs once it listens. */
export const isReady = (line: LogLine) => typeof line.port === "number" && line.msg.includes("ready at");

/** Starts `src/server.ts` (or `script`) and waits for it to listen. */
export async function startServer(env: Record<string, string>, script = "src/server.ts"): Promise<Server> {
  const proc = run(script, baseEnv(env));
  const ready = await proc.waitFor(isReady, 90_000);
  const port = ready.port as number;
  return {
    ...proc,
    port,
    url: `http://127.0.0.1:${port}`,
    stop(signal = "SIGTERM") {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return proc.exited;
    },
  };
}

export interface HttpClient {
  cookie: string | null;
  gql<T = Record<string, unknown>>(
    base: string,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    headers: Headers;
    body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  }>;
}

/** A cookie-jar client over real HTTP (production's cookie name by default); one jar may talk to several servers. */
export function httpClient(cookieName = "__Host-session"): HttpClient {
  const c: HttpClient = {
    cookie: null,
    async gql(base, query, variables, extra = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", ...extra };
      if (c.cookie) headers.cookie = `${cookieName}=${c.cookie}`;
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const eq = pair.indexOf("=");
        if (pair.slice(0, eq) !== cookieName) continue;
        const value = pair.slice(eq + 1);
        c.cookie = /Max-Age=0/i.test(line) || value === "" ? null : value;
      }
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
  };
  return c;
}

/** Inserts a user straight into the database (production has no demo accounts). */
export async function addUser(
  url: string,
  user: { username: string; password: string; role: "STUDENT" | "PROFESSOR"; house?: string | null },
): Promise<string> {
  const { default: pg } = await import("pg");
  const { hashPassword } = await import("../../src/auth/password.js");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `INSERT INTO "User" (id, username, "displayName", "passwordHash", role, house, "updatedAt")
       VALUES (gen_random_uuid(), $1, $1, $2, $3, $4, now()) RETURNING id`,
      [user.username, await hashPassword(user.password), user.role, user.house ?? null],
    );
    return rows[0].id;
  } finally {
    await client.end();
  }
}

/** A port nothing listens on right now. */
export { freePort } from "../../bench/support.js";
export type { Finished };

/** Runs a command-line script (`node --import tsx`) to completion with `input` on its stdin. */
export function runScript(script: string, args: string[], env: Record<string, string>, input = ""): Promise<Finished> {
  return runToEnd(process.execPath, ["--import", "tsx", script, ...args], env, input);
}
