// ASVS 7.4.5: an administrator ends one user's sessions, or everyone's, from the command line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS, createPersistentData } from "../helpers/database.js";
import { runScript } from "../helpers/process.js";

describe.each(BACKENDS)("npm run sessions:end (%s)", (backend) => {
  let shared: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const data = await createPersistentData(backend, "sessions-end");
    shared = data.env;
    cleanup = data.drop;
  });
  afterAll(() => cleanup?.());

  /** Runs the script on the shared data (the app is stopped: PGlite has one owner). */
  const endSessions = (...args: string[]) =>
    runScript("scripts/sessions-end.ts", args, { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...shared });

  async function withApp<T>(body: (app: TestApp) => Promise<T>): Promise<T> {
    const app = await createTestApp(backend, shared);
    try {
      return await body(app);
    } finally {
      await app.dispose();
    }
  }

  async function whoIs(app: TestApp, cookie: string | null) {
    const c = app.client();
    c.cookie = cookie;
    return ((await c.gql<{ me: { username: string } | null }>("{ me { username } }")).body.data?.me ?? null)?.username;
  }

  it("ends one user's sessions, then everyone's; the cookies turn anonymous", async () => {
    const cookies = await withApp(async (app) => {
      const signIn = async (who: { username: string; password: string }) => {
        const c = app.client();
        await c.login(who.username, who.password);
        return c.cookie;
      };
      return [await signIn(DEMO.harry), await signIn(DEMO.harry), await signIn(DEMO.luna)];
    });

    const one = await endSessions("--username", " Harry ");
    expect(one).toEqual({ code: 0, stdout: 'Ended 2 sessions of "harry".\n', stderr: "" });
    await withApp(async (app) => {
      expect(await whoIs(app, cookies[0])).toBeUndefined();
      expect(await whoIs(app, cookies[1])).toBeUndefined();
      expect(await whoIs(app, cookies[2])).toBe("luna");
    });

    const all = await endSessions("--all");
    expect(all).toMatchObject({ code: 0, stdout: "Ended 1 session.\n" });
    await withApp(async (app) => {
      expect(await whoIs(app, cookies[2])).toBeUndefined();
      expect(await app.db.prisma.session.count()).toBe(0);
    });
  }, 300_000); // three starts and two scripts on the same data: slow on PGlite when the machine is busy

  it("refuses missing, conflicting or unknown arguments with one line, changing nothing", async () => {
    for (const args of [[], ["--all", "--username", "harry"], ["--user", "harry"], ["--username", "no one"]]) {
      const run = await endSessions(...args);
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: /);
    }
    const unknown = await endSessions("--username", "voldemort");
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: no user named "voldemort"\n' });
  }, 300_000);
});
