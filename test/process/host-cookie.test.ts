// Cookie tossing against a production process: the `__Host-session` cookie it sets, and two
// of them in one request are anonymous and logged without their values.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { LOGIN } from "../helpers/http.js";
import { addUser, httpClient, type Server, startServer } from "../helpers/process.js";

const ME = "{ me { username } }";
const STUDENTS = "{ students(house: GRYFFINDOR) { totalCount } }";

describe("the session cookie of a production process", () => {
  let db: TestDatabase;
  let server: Server;
  const users = [
    { username: "victim", password: "victims-own-long-password", role: "PROFESSOR" as const },
    { username: "attacker", password: "attackers-long-password", role: "PROFESSOR" as const },
  ];
  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
    server = await startServer({ DATABASE_URL: db.url as string, MIGRATE_ON_START: "true", SEED_ON_START: "true" });
    for (const user of users) await addUser(db.url as string, user);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("sets __Host-session: Secure, Path=/, no Domain; two of them are anonymous and logged without values", async () => {
    const seals: string[] = [];
    for (const user of users) {
      const response = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: LOGIN, variables: { u: user.username, p: user.password } }),
      });
      const [line, ...rest] = response.headers.getSetCookie();
      expect(rest).toEqual([]);
      expect(line).toMatch(/^__Host-session=Fe26\.2\*[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
      expect(line).not.toMatch(/Domain/i);
      seals.push(line.slice("__Host-session=".length).split(";")[0]);
    }
    const client = httpClient();
    client.cookie = seals[0];
    expect((await client.gql(server.url, ME)).body).toEqual({ data: { me: { username: "victim" } } });

    client.cookie = null; // from here on the Cookie header below is sent as is
    const cookie = `__Host-session=${seals[0]}; __Host-session=${seals[1]}`;
    const me = await client.gql(server.url, ME, undefined, { cookie });
    expect(me.body).toEqual({ data: { me: null } });
    // A __Host- cookie lives on Path=/ only: there is no other path to expire.
    expect(me.headers.getSetCookie()).toEqual([]);
    const students = await client.gql(server.url, STUDENTS, undefined, { cookie });
    expect(students.body.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);

    const warned = await server.waitFor((l) => l.event === "session_cookie_duplicate", 10_000);
    expect(warned).toMatchObject({ level: 40, count: 2 });
    const log = server.stdout();
    for (const seal of seals) {
      expect(log).not.toContain(seal);
      expect(log).not.toContain(seal.split("*")[4]); // not even the encrypted part alone
    }
  });
});
