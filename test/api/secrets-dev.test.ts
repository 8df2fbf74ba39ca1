// Without SESSION_SECRET: a generated development secret kept on disk, refused in production.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { resolveSecrets } from "../../src/session/secrets.js";
import { createTestApp, DEMO } from "../helpers/app.js";
import { createPersistentData } from "../helpers/database.js";

describe("the development secret", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of cleanup) await drop();
  });

  it("is generated once into DATA_DIR (mode 600), so sessions survive a restart", async () => {
    const data = await createPersistentData("pglite", "dev-secret");
    cleanup.push(data.drop);
    const env = { ...data.env, SESSION_SECRET: "" };

    const first = await createTestApp("pglite", env);
    const c = first.client();
    expect((await c.login(DEMO.harry.username, DEMO.harry.password)).body.errors).toBeUndefined();
    const cookie = c.cookie;
    await first.close();

    const file = path.join(data.env.DATA_DIR, "session-secret");
    const secret = readFileSync(file, "utf8").trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await createTestApp("pglite", env);
    try {
      const again = second.client();
      again.cookie = cookie;
      const res = await again.gql<{ me: { username: string } | null }>("{ me { username } }");
      expect(res.body.data?.me?.username).toBe("harry");
      expect(readFileSync(file, "utf8").trim()).toBe(secret);
    } finally {
      await second.close();
    }
  });

  it("warns where it is kept, and is a fresh random one in memory", () => {
    const warnings: string[] = [];
    const config = loadConfig({ NODE_ENV: "development", DATA_DIR: IN_MEMORY });
    config.dataDir = IN_MEMORY;
    const a = resolveSecrets(config, (m) => warnings.push(m));
    const b = resolveSecrets(config, (m) => warnings.push(m));
    expect(Object.keys(a)).toEqual(["1"]);
    expect(a[1].length).toBeGreaterThanOrEqual(32);
    expect(a[1]).not.toBe(b[1]);
    expect(warnings).toEqual([]);
  });

  it("is never generated in production: no SESSION_SECRET is a ConfigError naming it", () => {
    const config = loadConfig({ NODE_ENV: "development", DATA_DIR: IN_MEMORY });
    config.nodeEnv = "production";
    expect(() => resolveSecrets(config, () => {})).toThrow(ConfigError);
    expect(() => resolveSecrets(config, () => {})).toThrow(/SESSION_SECRET is required in production/);
  });
});
