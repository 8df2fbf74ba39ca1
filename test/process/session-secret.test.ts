// A production server refuses to start without a good SESSION_SECRET, and starts with one.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseEnv, isReady, runScript, startServer } from "../helpers/process.js";

const NEW = "n".repeat(40);

describe("production start-up and SESSION_SECRET", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "secret-start-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A production environment with `secret` ("" for none) and nothing else from the shell. */
  const env = (secret: string) => baseEnv({ DATA_DIR: dataDir, SESSION_SECRET: secret });

  it("refuses to start without a secret, or with one under 32 characters, in one line naming what to set", async () => {
    const short = "short-secret-of-31-characters!!";
    expect(short).toHaveLength(31);
    const runs = await Promise.all(
      ["", short, `2:${NEW},1:${short}`].map((s) => runScript("src/server.ts", [], env(s))),
    );
    for (const [i, run] of runs.entries()) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toMatch(/ConfigError|Error:|\.[jt]s:\d/); // no class name, no stack frame
      expect(lines[0]).not.toContain(short);
      expect(lines[0]).toMatch(
        i === 0
          ? /^error: SESSION_SECRET is required in production: set it to at least 32 random characters/
          : /^error: SESSION_SECRET must be at least 32 characters/,
      );
    }
    expect(readdirSync(dataDir)).toEqual([]); // refused before touching any data
  }, 180_000);

  it("starts with a good secret (the refusal above is about the secret, not the test)", async () => {
    const server = await startServer({ DATA_DIR: dataDir, SESSION_SECRET: NEW });
    expect(server.lines.some(isReady)).toBe(true);
    expect((await server.stop()).code).toBe(0);
  }, 180_000);
});
