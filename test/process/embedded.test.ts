// The embedded database as a user meets it: first start, one process at a time, user:create.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { baseEnv, runScript, startServer } from "../helpers/process.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "hogwarts-embedded-"));
const env = baseEnv({ DATA_DIR: dataDir, NODE_ENV: "development", SESSION_SECRET: "" });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
/** A session cookie from the first server, replayed against the restarted one. */
let firstCookie = "";

async function gql(url: string, query: string, cookie?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query }),
  });
  return { response, body: await response.json() };
}

describe("the embedded database", () => {
  it("migrates, seeds and serves on first start, then refuses a second process while it runs", async () => {
    const server = await startServer(env);
    try {
      expect(server.stdout() + server.stderr()).toMatch(/migrations applied/);
      expect(server.stdout() + server.stderr()).toMatch(
        /SESSION_SECRET is not set: using the development secret kept in/,
      );
      const { body } = await gql(server.url, "{ houses { house } }");
      expect(body.data.houses).toHaveLength(4);
      const login = await gql(
        server.url,
        'mutation { login(username: "luna", password: "nargles-and-wrackspurts") { id } }',
      );
      firstCookie = login.response.headers.getSetCookie()[0].split(";")[0];

      const page = await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } });
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toMatch(/<title>Hogwarts GraphQL<\/title>/);
      // GraphiQL is bundled into the page: nothing loads from a CDN
      expect(html).not.toMatch(/<script[^>]+src="https?:|<link[^>]+href="https?:|unpkg\.com|jsdelivr/);

      const second = await runScript(
        "scripts/user-create.ts",
        ["--username", "snape", "--display-name", "Severus Snape", "--role", "PROFESSOR"],
        env,
        "half-blood-prince\n",
      );
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by process \d+/);
      expect(second.stderr).toMatch(/Stop that process first, or set DATABASE_URL/);
      expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it("creates a user from stdin once the server is stopped, and the user can sign in after restart", async () => {
    const created = await runScript(
      "scripts/user-create.ts",
      ["--username", "Snape", "--display-name", "Severus Snape", "--role", "PROFESSOR", "--house", "slytherin"],
      env,
      "half-blood-prince\n",
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created professor "snape"/);

    const again = await runScript(
      "scripts/user-create.ts",
      ["--username", "snape", "--display-name", "Other", "--role", "PROFESSOR"],
      env,
      "another-password\n",
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/taken/);

    const server = await startServer(env);
    try {
      expect(server.stdout() + server.stderr()).not.toMatch(/migrations applied/); // already up to date
      const login = await gql(
        server.url,
        'mutation { login(username: "snape", password: "half-blood-prince") { role house } }',
      );
      expect(login.body).toEqual({ data: { login: { role: "PROFESSOR", house: "SLYTHERIN" } } });
      // the generated development secret survived the restart, and so did Luna's session
      const me = await gql(server.url, "{ me { username } }", firstCookie);
      expect(me.body).toEqual({ data: { me: { username: "luna" } } });
      // the demo data were seeded once, not twice
      const cookie = login.response.headers.getSetCookie()[0].split(";")[0];
      const students = await gql(server.url, "{ students(house: GRYFFINDOR) { totalCount } }", cookie);
      expect(students.body.data.students.totalCount).toBe(12);
    } finally {
      await server.stop();
    }
  });

  it("refuses bad user:create input with a clear message and creates nothing", async () => {
    const cases: [string[], string, RegExp][] = [
      [
        ["--display-name", "X", "--role", "STUDENT", "--house", "GRYFFINDOR"],
        "long-enough-pw\n",
        /--username is required/,
      ],
      [["--username", "a b", "--display-name", "X", "--role", "PROFESSOR"], "long-enough-pw\n", /--username must be/],
      [["--username", "neville", "--display-name", "N", "--role", "STUDENT"], "long-enough-pw\n", /needs --house/],
      [["--username", "neville", "--display-name", "N", "--role", "HEADMASTER"], "long-enough-pw\n", /--role must be/],
      [
        ["--username", "neville", "--display-name", "N", "--role", "STUDENT", "--house", "GRYFFINDOR"],
        "short\n",
        /8 to 256/,
      ],
      [
        ["--username", "neville", "--display-name", "N", "--role", "STUDENT", "--house", "GRYFFINDOR"],
        "password123\n",
        /too common/,
      ],
      [["--username", "neville", "--password", "x", "--display-name", "N", "--role", "STUDENT"], "", /standard input/],
      [
        ["--username", "neville", "--display-name", "N", "--role", "STUDENT", "--house", "GRYFFINDOR"],
        "",
        /no password/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args, input]) => runScript("scripts/user-create.ts", args, env, input)),
    );
    results.forEach((result, i) => {
      expect(result.code, cases[i][0].join(" ")).toBe(1);
      expect(result.stderr).toMatch(cases[i][2]);
    });
    const check = await runScript(
      "scripts/user-create.ts",
      ["--username", "neville", "--display-name", "Neville", "--role", "STUDENT", "--house", "GRYFFINDOR"],
      env,
      "remembrall-1991\n",
    );
    expect(check.code).toBe(0); // none of the refused attempts created "neville"
  });
});
