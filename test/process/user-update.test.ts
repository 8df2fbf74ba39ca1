// An administrator changes a user's role or house from the command line; bad arguments change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS, createPersistentData } from "../helpers/database.js";
import { runScript } from "../helpers/process.js";

describe.each(BACKENDS)("npm run user:update (%s)", (backend) => {
  let shared: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const data = await createPersistentData(backend, "user-update");
    shared = data.env;
    cleanup = data.drop;
  });
  afterAll(() => cleanup?.());

  /** Runs the script on the shared data (the app is stopped: PGlite has one owner). */
  const update = (...args: string[]) =>
    runScript("scripts/user-update.ts", args, { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...shared });

  async function withApp<T>(body: (app: TestApp) => Promise<T>): Promise<T> {
    const app = await createTestApp(backend, shared);
    try {
      return await body(app);
    } finally {
      await app.dispose();
    }
  }

  /** Every user's role and house, by username. */
  const access = () =>
    withApp(async (app) =>
      Object.fromEntries(
        (await app.db.prisma.user.findMany({ select: { username: true, role: true, house: true } })).map((u) => [
          u.username,
          `${u.role} ${u.house}`,
        ]),
      ),
    );

  it("changes the role, the house or both; the signed-in user sees it on the next request", async () => {
    const cookie = await withApp(async (app) => {
      const c = app.client();
      await c.login(DEMO.harry.username, DEMO.harry.password);
      return c.cookie;
    });
    const promoted = await update("--username", " Harry ", "--role", "professor");
    expect(promoted).toEqual({
      code: 0,
      stdout: 'Changed "harry" from STUDENT (GRYFFINDOR) to PROFESSOR (GRYFFINDOR).\n',
      stderr: "",
    });
    const moved = await update("--username", "harry", "--house", "slytherin");
    expect(moved.stdout).toBe('Changed "harry" from PROFESSOR (GRYFFINDOR) to PROFESSOR (SLYTHERIN).\n');
    const same = await update("--username", "harry", "--role", "PROFESSOR", "--house", "SLYTHERIN");
    expect(same).toMatchObject({ code: 0, stdout: '"harry" is already PROFESSOR (SLYTHERIN); nothing changed.\n' });
    await withApp(async (app) => {
      const c = app.client();
      c.cookie = cookie;
      expect((await c.gql("{ me { username role house } }")).body.data).toEqual({
        me: { username: "harry", role: "PROFESSOR", house: "SLYTHERIN" },
      });
    });
  }, 300_000);

  it("refuses missing, unknown or invalid arguments with one line, changing nothing", async () => {
    const before = await access();
    const cases: [string[], string | RegExp][] = [
      [[], "error: --username is required\n"],
      [["--username", "luna"], "error: pass --role, --house or both\n"],
      [["--username", "luna", "--role", "HEADMASTER"], "error: --role must be one of STUDENT, PROFESSOR\n"],
      [["--username", "luna", "--house", "DURMSTRANG"], /^error: --house must be one of GRYFFINDOR, /],
      [["--username", "voldemort", "--role", "STUDENT"], 'error: no user named "voldemort"\n'],
      [["--username", "mcgonagall", "--role", "STUDENT"], "error: a STUDENT needs --house\n"],
      [["--username", "luna", "--password", "x"], /^error: Unknown option '--password'/],
      [["--username", "no one", "--role", "STUDENT"], /^error: /],
    ];
    for (const [args, message] of cases) {
      const run = await update(...args);
      expect([args, run.code]).toEqual([args, 1]);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      if (typeof message === "string") expect(run.stderr).toBe(message);
      else expect(run.stderr).toMatch(message);
    }
    expect(await access()).toEqual(before);
  }, 300_000);
});
