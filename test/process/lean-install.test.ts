// The image build on a fresh copy: `npm ci && npm run build && npm prune --omit=dev`, then
// migrate, create a user and serve from that tree with no dev tool installed, and sign in.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET } from "../helpers/app.js";
import { PRODUCTION } from "../helpers/production.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DEV_PACKAGES = ["tsx", "prisma", "esbuild", "vitest", "playwright-core", "typescript", "@biomejs/biome"];
const exec = promisify(execFile);

let dir: string;
let server: ChildProcess | undefined;
// npm runs the scripts with the node that runs this test, whatever the system node is.
const env = () => ({
  PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  HOME: process.env.HOME ?? "/tmp",
  ...PRODUCTION,
  SESSION_SECRET: SECRET,
  DATA_DIR: path.join(dir, "data"),
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "info",
});
const npm = (args: string[], extra: Record<string, string> = {}) =>
  exec("npm", args, { cwd: dir, env: { ...env(), ...extra }, maxBuffer: 64 << 20 });

/** Runs `npm run user:create …` with the password on standard input. */
function createUser(args: string[], password: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "user:create", "--", ...args], { cwd: dir, env: env() });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
    child.stdin.end(`${password}\n`);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "lean-install-"));
  // A fresh copy of the working tree as git sees it (tracked and new files, nothing ignored).
  const { stdout } = await exec("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT });
  for (const file of stdout.split("\0").filter(Boolean)) {
    if (!existsSync(path.join(ROOT, file))) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  // The install keeps the caller's npm settings (registry, proxy, CA).
  const install = { ...process.env, ...env(), NODE_ENV: "development" } as Record<string, string>;
  await npm(["ci", "--prefer-offline", "--no-audit", "--no-fund"], install);
  await npm(["run", "build"]);
  await npm(["prune", "--omit=dev", "--no-audit", "--no-fund"], install);
}, 600_000);

afterAll(() => {
  server?.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a production install without dev tools", () => {
  it("keeps none of the dev packages", () => {
    const left = DEV_PACKAGES.filter((name) => existsSync(path.join(dir, "node_modules", name)));
    expect(left).toEqual([]);
    expect(existsSync(path.join(dir, "dist/server.js"))).toBe(true);
  });

  it("migrates, creates a user, starts without rebuilding, and signs that user in over HTTP", async () => {
    const migrated = await npm(["run", "--silent", "db:migrate"]);
    expect(migrated.stdout).toMatch(/Applied \d+ migration/);

    const made = await createUser(
      ["--username", "lean.admin", "--display-name", "Lean Admin", "--role", "PROFESSOR"],
      "a lean install signs in",
    );
    expect(made).toMatchObject({ code: 0, out: expect.stringMatching(/Created professor "lean.admin"/) });

    server = spawn("npm", ["start", "--silent"], { cwd: dir, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    server.stderr?.on("data", (c) => (log += c));
    const port = await new Promise<number>((resolve, reject) => {
      server?.stdout?.on("data", (c) => {
        log += c;
        const m = /"port":(\d+)/.exec(log);
        if (m) resolve(Number(m[1]));
      });
      server?.on("exit", (code) => reject(new Error(`npm start exited ${code}: ${log}`)));
    });

    const post = (query: string, variables: object, cookie = "") =>
      fetch(`http://127.0.0.1:${port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-graphql-yoga-csrf": "1", cookie },
        body: JSON.stringify({ query, variables }),
      });
    const login = await post("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }", {
      u: "lean.admin",
      p: "a lean install signs in",
    });
    expect(await login.json()).toEqual({ data: { login: { username: "lean.admin" } } });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    expect(cookie).toMatch(/=Fe26\.2\*/);
    const me = await post("{ me { username role } }", {}, cookie);
    expect(await me.json()).toEqual({ data: { me: { username: "lean.admin", role: "PROFESSOR" } } });
    // `npm start` ran what the build made: the stamp still matches and nothing was rebuilt.
    expect(log).not.toMatch(/prisma|esbuild|error/i);
  }, 300_000);
});
