// Development logs: a server started on a terminal writes pretty lines, not JSON.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { baseEnv, ROOT } from "../helpers/process.js";

describe("development logs", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase("postgresql");
    dataDir = mkdtempSync(path.join(tmpdir(), "dev-logs-"));
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
