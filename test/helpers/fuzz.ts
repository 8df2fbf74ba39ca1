// Hostile input for the fuzz tests: generated and mutated documents, hostile variables, and
// one seeded app with a check of everything an attacker could gain from one request.
import fc from "fast-check";
import { sealData } from "iron-session";
import { expect } from "vitest";
import { toGlobalId } from "../../src/schema/node.js";
import { createTestApp, DEMO, type TestApp } from "./app.js";

/** Valid documents of the contract: the seeds that mutations start from. */
export const CORPUS = [
  "{ me { id username displayName role house } }",
  "{ houses { house points } }",
  "query($h: House!, $n: Int, $a: String) { students(house: $h, first: $n, after: $a) { totalCount edges { cursor node { id name house year email } } pageInfo { hasNextPage endCursor } } }",
  "query($id: ID!) { node(id: $id) { id __typename ... on Student { name email } ... on Session { userAgent } ... on User { username } } }",
  "{ mySessions { id createdAt lastSeenAt userAgent current } }",
  "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id username } }",
  "mutation { logout }",
  "mutation { logoutEverywhere }",
  "mutation($id: ID!) { revokeSession(id: $id) }",
  "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
  "mutation($h: House!, $p: Int!, $r: String!) { awardPoints(house: $h, points: $p, reason: $r) { house points } }",
  "mutation($u: String) { passkeyLoginOptions(username: $u) }",
  "mutation($r: JSON!) { loginWithPasskey(response: $r) { id username } }",
  "mutation($c: String, $k: JSON) { verifySecondFactor(code: $c, passkey: $k) { id } }",
  "mutation($p: String, $c: String, $k: JSON) { reauthenticate(password: $p, code: $c, passkey: $k) }",
  "mutation { passkeyRegistrationOptions }",
  "mutation($r: JSON!, $n: String) { registerPasskey(response: $r, name: $n) { id name } }",
  "mutation($id: ID!) { removePasskey(id: $id) }",
  'mutation { loginWithPasskey(response: { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: "e30", authenticatorData: "AA", signature: "AA" } }) { id } }',
  'fragment S on Student { name email } query { node(id: "x") { ...S } }',
  "{ a: houses { house } b: me { id } __typename __schema { queryType { name } } }",
];

const FIELDS = [
  "me",
  "houses",
  "students",
  "node",
  "mySessions",
  "login",
  "logout",
  "awardPoints",
  "passkeyLoginOptions",
  "loginWithPasskey",
  "verifySecondFactor",
  "reauthenticate",
  "passkeyRegistrationOptions",
  "registerPasskey",
  "removePasskey",
  "__typename",
  "__schema",
  "__type",
  "nope",
  "constructor",
  "__proto__",
];
const TOKENS = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ":",
  "$",
  "!",
  "=",
  "@include(if: true)",
  "@skip(if: $x)",
  "...",
  "... on Student",
  "fragment F on Query",
  "query",
  "mutation",
  "subscription",
  '"',
  '"""',
  "#",
  ",",
  "\u0000",
  "\uFFFF",
  "\uD800",
  "🧙",
  "\\u0000",
  "1e999",
  "-0",
  "0x10",
  "null",
  "true",
  "GRYFFINDOR",
  ...FIELDS,
];

/** A document built from pieces of GraphQL: well-formed, nearly well-formed, or noise. */
const generated = fc.letrec((tie) => ({
  selection: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...FIELDS, "id", "name", "email", "house", "points"),
    fc
      .tuple(
        fc.constantFrom(...FIELDS),
        fc.array(tie("arg") as fc.Arbitrary<string>, { maxLength: 3 }),
        tie("selections") as fc.Arbitrary<string>,
      )
      .map(([f, args, sel]) => `${f}${args.length ? `(${args.join(", ")})` : ""} ${sel}`),
    fc.tuple(fc.constantFrom("a", "b", "x1", "__x"), fc.constantFrom(...FIELDS)).map(([a, f]) => `${a}: ${f}`),
  ),
  selections: fc.array(tie("selection") as fc.Arbitrary<string>, { maxLength: 4 }).map((s) => `{ ${s.join(" ")} }`),
  arg: fc
    .tuple(
      fc.constantFrom(
        "house",
        "first",
        "after",
        "id",
        "username",
        "password",
        "points",
        "reason",
        "code",
        "passkey",
        "response",
        "if",
      ),
      fc.oneof(
        fc.constantFrom(
          "GRYFFINDOR",
          "GRYFINDOR",
          "null",
          "true",
          '"x"',
          "$x",
          "[1,2]",
          "{a: 1}",
          "-1",
          "1e3",
          "2147483648",
          "-101",
        ),
        fc.integer().map(String),
        fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
      ),
    )
    .map(([k, v]) => `${k}: ${v}`),
})).selections;

/** A valid document with a few random edits: inserted tokens, deletions, swaps. */
const mutated = fc
  .tuple(
    fc.constantFrom(...CORPUS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("insert", "delete", "duplicate"),
        fc.constantFrom(...TOKENS),
        fc.integer({ min: 1, max: 12 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([doc, edits]) => {
    let d = doc;
    for (const [at, kind, token, len] of edits) {
      const i = at % (d.length + 1);
      if (kind === "insert") d = `${d.slice(0, i)} ${token} ${d.slice(i)}`;
      else if (kind === "delete") d = d.slice(0, i) + d.slice(i + len);
      else d = d.slice(0, i) + d.slice(i, i + len).repeat(3) + d.slice(i + len);
    }
    return d;
  });

export const document = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 3, arbitrary: fc.tuple(fc.boolean(), generated).map(([m, s]) => (m ? `mutation ${s}` : s)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: "binary" }) },
  { weight: 2, arbitrary: fc.constantFrom(...CORPUS) },
);

/** JSON of every shape, plus the values our variables name, right and wrong. */
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    "GRYFFINDOR",
    "gryffindor",
    "MUGGLE",
    "",
    "\u0000",
    "x".repeat(10_000),
    0,
    -1,
    100,
    -101,
    2 ** 31,
    -(2 ** 53),
    1.5,
    1e308,
    "NaN",
    true,
    null,
    [],
    {},
    { __proto__: { polluted: true } },
    ["GRYFFINDOR"],
    {
      id: "AA",
      rawId: "AA",
      type: "public-key",
      response: { clientDataJSON: "e30", authenticatorData: "AA", signature: "AA" },
    },
    {
      id: "AA",
      rawId: "AA",
      type: "public-key",
      response: { clientDataJSON: "e30", attestationObject: "o2Nm", transports: ["usb", 7] },
    },
    { id: "A".repeat(20_000), rawId: "A", type: "public-key", response: {} },
    "harry",
    "HARRY",
    "har\u0000ry",
    "ｈａｒｒｙ",
  ),
);
export const variables = fc.oneof(
  fc.dictionary(
    fc.constantFrom("h", "n", "a", "id", "u", "p", "c", "r", "k", "x", "__proto__", "constructor"),
    jsonValue,
    {
      maxKeys: 6,
    },
  ),
  jsonValue,
);

// About 4 ms a request on an idle core here; the full suite on 2 busy cores can take 3-4 times as long.
export const FUZZ_TIMEOUT = 300_000;

export interface Attack {
  method: string;
  body?: string;
  headers: Record<string, string>;
  /** The query string, with its `?`. */
  query?: string;
}

export interface FuzzTarget {
  app: TestApp;
  /** Global ids of every student: real ids for the documents to ask for. */
  studentIds: string[];
  /** A real seal whose session has ended. */
  deadCookie: string;
  /** A well-formed seal made with someone else's secret. */
  foreignCookie: string;
  /** How many requests `attack` has sent. */
  sent(): number;
  /** Sends one request and checks everything an attacker could gain from it. */
  attack(init: Attack): Promise<void>;
  /** Fails unless the database holds exactly what it held before the first attack. */
  unchanged(): Promise<void>;
}

/** A seeded app on in-memory PGlite, a dead and a foreign cookie, and the secrets to watch for. */
export async function createFuzzTarget(): Promise<FuzzTarget> {
  const app = await createTestApp("pglite", { LOGIN_MAX_FAILURES_PER_ADDRESS: "20" });
  const { prisma } = app.db;
  const dbState = async () => ({
    users: await prisma.user.findMany({ orderBy: { id: "asc" } }),
    sessions: await prisma.session.findMany({ orderBy: { id: "asc" } }),
    points: await prisma.housePoints.findMany({ orderBy: { house: "asc" } }),
    awards: await prisma.pointAward.count(),
    students: await prisma.student.count(),
    passkeys: await prisma.passkey.count(),
  });
  const students = await prisma.student.findMany();
  const studentIds = students.map((s) => toGlobalId("Student", s.id));
  // what must never come back to an anonymous caller
  const secrets = [...students.flatMap((s) => [s.email, s.name]), ...studentIds];
  const c = app.client();
  await c.login(DEMO.harry.username, DEMO.harry.password);
  const deadCookie = c.cookie as string;
  await c.gql("mutation { logout }");
  const foreignCookie = await sealData({ v: 1, sid: "x", uid: "y", iat: 1, rat: 1 }, { password: "f".repeat(32) });
  const snapshot = await dbState();
  let sent = 0;

  return {
    app,
    studentIds,
    deadCookie,
    foreignCookie,
    sent: () => sent,
    async attack(init) {
      sent += 1;
      const clean = Object.fromEntries(Object.entries(init.headers).filter(([, v]) => v !== ""));
      const url = `http://localhost/graphql${init.query ?? ""}`;
      const response = await app.yoga.fetch(url, { method: init.method, headers: clean, body: init.body });
      expect(response.status).toBeLessThan(500);
      if (response.headers.get("content-type")?.startsWith("text/html")) {
        // GraphiQL's page (a browser GET): static, 9 MB, no data in it
        expect(init.method).toBe("GET");
        await response.body?.cancel();
        return;
      }
      const text = await response.text();
      expect(text).not.toMatch(/Unexpected error|\n\s+at |stack|prisma|SELECT |INSERT |UPDATE |node_modules|\.ts:\d/i);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"me":\{/);
      expect(text).not.toMatch(/"mySessions":\[\{/);
      // No session is ever set; a WebAuthn challenge cookie is anyone's for the asking (passkeyLoginOptions).
      const set = response.headers.getSetCookie().filter((l) => !l.startsWith("session-challenge="));
      expect(set.some((l) => !/Max-Age=0/.test(l))).toBe(false);
    },
    async unchanged() {
      expect(await dbState()).toEqual(snapshot);
    },
  };
}
