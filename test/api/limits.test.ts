// Query limits: depth, aliases, directives, tokens, cost, body size, suggestions; clear errors, no hang.
import net from "node:net";
import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { LOGIN, raw } from "../helpers/http.js";
import { listen } from "../helpers/server.js";

const STUDENTS = `{
  me { displayName }
  students(house: GRYFFINDOR, first: 5) {
    totalCount
    edges { cursor node { id name house year email } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

function messages(res: { body: { errors?: { message: string }[] } }): string {
  return (res.body.errors ?? []).map((e) => e.message).join(" | ");
}

describe.each(BACKENDS)("query limits at their defaults (%s)", (backend) => {
  let app: TestApp;
  let cookie: Record<string, string>;
  beforeAll(async () => {
    app = await createTestApp(backend, {
      NODE_ENV: "production",
      SEED_ON_START: "true",
      GRAPHQL_INTROSPECTION: "true",
    });
    // production seeds no demo accounts: make harry the way user:create does
    const { hashPassword } = await import("../../src/auth/password.js");
    await app.db.prisma.user.create({
      data: {
        username: "harry",
        displayName: "Harry Potter",
        role: "STUDENT",
        house: "GRYFFINDOR",
        passwordHash: await hashPassword(DEMO.harry.password),
      },
    });
    const login = await raw(app, { query: LOGIN, variables: { u: "harry", p: DEMO.harry.password } });
    const line = login.headers.getSetCookie().find((l) => l.startsWith("__Host-session=")) ?? "";
    cookie = { cookie: line.split(";")[0] };
  });
  afterAll(() => app?.dispose());

  it("passes the contract's queries and GraphiQL's full introspection query", async () => {
    const students = await raw(app, { query: STUDENTS }, { headers: cookie });
    expect(students.body.errors).toBeUndefined();
    expect(students.body.data).toMatchObject({ me: { displayName: "Harry Potter" } });
    const sessions = await raw(
      app,
      { query: "{ mySessions { id createdAt lastSeenAt userAgent current } houses { house points } }" },
      { headers: cookie },
    );
    expect(sessions.body.errors).toBeUndefined();
    const introspection = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const intro = await raw(app, { query: introspection });
    expect(intro.status).toBe(200);
    expect(intro.body.errors).toBeUndefined();
    expect(intro.body.data).toHaveProperty("__schema.queryType.name", "Query");
  });

  it("refuses a query deeper than 10 levels", async () => {
    const deep = `{ __type(name: "Query") { ${"ofType { ".repeat(11)}name${" }".repeat(11)} } }`;
    const res = await raw(app, { query: deep });
    expect(messages(res)).toBe("Syntax Error: Query depth limit of 10 exceeded, found 13.");
    expect(res.body.data).toBeUndefined();
  });

  it("refuses introspection that fans out through types and fields (graphql-js's own limit)", async () => {
    const fanOut =
      "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }";
    const res = await raw(app, { query: fanOut });
    expect(messages(res)).toBe("Maximum introspection depth exceeded");
  });

  it("refuses more than 15 aliases", async () => {
    const query = `{ ${Array.from({ length: 16 }, (_, i) => `h${i}: houses { house }`).join(" ")} }`;
    const res = await raw(app, { query });
    expect(messages(res)).toBe("Syntax Error: Aliases limit of 15 exceeded, found 16.");
    const fifteen = `{ ${Array.from({ length: 15 }, (_, i) => `h${i}: houses { house }`).join(" ")} }`;
    expect((await raw(app, { query: fifteen })).body.errors).toBeUndefined();
  });

  it("refuses more than 50 directives", async () => {
    const query = `{ houses { house ${"@include(if: true) ".repeat(51)} } }`;
    const res = await raw(app, { query });
    expect(messages(res)).toBe("Syntax Error: Directives limit of 50 exceeded, found 51.");
  });

  it("refuses more than 1000 tokens before building the document", async () => {
    const res = await raw(app, { query: `{ houses { ${"house ".repeat(1000)} } }` });
    expect(messages(res)).toBe("Syntax Error: Token limit of 1000 exceeded.");
  });

  it("answers a 50,000-level nested selection quickly with a clear error, no stack overflow", async () => {
    const start = performance.now();
    const res = await raw(app, { query: `${"{ a ".repeat(12_000)}${"}".repeat(12_000)}` });
    expect(res.status).toBeLessThan(500);
    expect(messages(res)).toBe("Syntax Error: Token limit of 1000 exceeded.");
    const nested = await raw(
      app,
      `{"query":"{ houses { house } }","variables":{"x":${"[".repeat(40_000)}${"]".repeat(40_000)}}}`,
    );
    expect(nested.status).toBeLessThan(500);
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it("serves one page of 100 students but refuses two in one query (estimated cost over 5000)", async () => {
    const page = (alias: string) =>
      `${alias}: students(house: GRYFFINDOR, first: 100) { totalCount edges { cursor node { id name house year email } } pageInfo { hasNextPage endCursor } }`;
    const one = await raw(app, { query: `{ ${page("a")} }` }, { headers: cookie });
    expect(one.body.errors).toBeUndefined();
    const two = await raw(app, { query: `{ ${page("a")} ${page("b")} }` }, { headers: cookie });
    expect(messages(two)).toBe("Syntax Error: Query Cost limit of 5000 exceeded, found 7525.");
    expect(two.body.data).toBeUndefined();
  });

  it("counts only Mutation's verifier fields toward one login per document", async () => {
    // a `login` selected on Query is a plain validation error, not a second guess
    const query = `mutation A { login(username: "harry", password: "x") { id } } query Q { login }`;
    const res = await raw(app, { query, operationName: "A" });
    expect(res.body.errors?.map((e) => e.message)).toEqual(['Cannot query field "login" on type "Query".']);
    // two verifiers other than login: the message names them all
    const two = await raw(app, {
      query: `mutation { a: changePassword(currentPassword: "x", newPassword: "y") b: changePassword(currentPassword: "x", newPassword: "z") }`,
    });
    expect(two.body.errors?.map((e) => e.message)).toEqual([
      "A request may call only one of login, changePassword, reauthenticate and verifySecondFactor, once.",
    ]);
  });

  it("refuses a body over 100 KB with 413, by Content-Length or by streaming; serves one under it", async () => {
    const big = JSON.stringify({ query: LOGIN, variables: { u: "harry", p: "x".repeat(1_000_000) } });
    const res = await raw(app, big);
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]).toEqual({
      message: "Request body is larger than 100000 bytes.",
      extensions: { code: "BAD_USER_INPUT" },
    });
    // no Content-Length: the cap applies while reading
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
        controller.close();
      },
    });
    const streamed = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // a Content-Length that is not a number does not bypass the cap either
    const garbled = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "12abc" },
      body: big,
    });
    expect(garbled.status).toBe(413);
    // just under the cap is served normally
    const padded = await raw(app, { query: "{ houses { house } }", extensions: { pad: "x".repeat(95_000) } });
    expect(padded.status).toBe(200);
    expect(padded.body.data).toHaveProperty("houses");
    // and so is a streamed one of exactly the cap, read to its end and handed on whole
    const exact = { query: "{ houses { house } }", extensions: { pad: "" } };
    exact.extensions.pad = "x".repeat(100_000 - JSON.stringify(exact).length);
    const small = new TextEncoder().encode(JSON.stringify(exact));
    expect(small.length).toBe(100_000);
    const trickle = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < small.length; i += 4096) controller.enqueue(small.slice(i, i + 4096));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(trickle.status).toBe(200);
    expect((await trickle.json()).data.houses).toHaveLength(4);
  });

  it("over HTTP, takes exactly Content-Length bytes as the body; more bytes are not this request", async () => {
    const server = await listen(app.yoga);
    const socket = net.connect(server.port, "127.0.0.1");
    try {
      let text = "";
      let waiting: (() => void) | undefined;
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        waiting?.();
      });
      socket.on("close", () => waiting?.());
      const received = (pattern: RegExp) =>
        new Promise<string>((resolve, reject) => {
          waiting = () => {
            if (pattern.test(text)) resolve(text);
            else if (socket.closed) reject(new Error(`got: ${text}`));
          };
        });
      const body = JSON.stringify({ query: "{ houses { house } }" });
      const first = received(/"houses"/);
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      // Answered as soon as the declared bytes are in: the server waits for nothing more.
      expect((await first).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
      // A megabyte sent after them is not that request's body: it is a malformed next request.
      text = "";
      const second = received(/^HTTP\/1\.1 400/);
      socket.end("x".repeat(1_000_000));
      expect(await second).not.toContain('"data"');
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});

describe("limits are configurable; suggestions outside production", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite", { QUERY_MAX_COST: "100", MAX_BODY_BYTES: "2000000" });
  });
  afterAll(() => app?.dispose());

  it("refuses a query over QUERY_MAX_COST while a cheap one passes", async () => {
    const c = app.client();
    await c.login(DEMO.harry.username, DEMO.harry.password);
    expect((await c.gql("{ me { displayName } houses { house points } }")).body.errors).toBeUndefined();
    const res = await c.gql(STUDENTS);
    expect(res.body.errors?.[0].message).toBe("Syntax Error: Query Cost limit of 100 exceeded, found 214.125.");
    expect(res.body.data).toBeUndefined();
  });

  it("with a 2 MB cap, a 1 MB password reaches login and is refused as BAD_USER_INPUT without a hash", async () => {
    const res = await app.client().login("harry", "x".repeat(1_000_000));
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors?.[0].message).toBe("password must be at most 256 characters");
  });

  it("keeps suggestions for developers", async () => {
    const res = await app.client().gql("{ housse { house } }");
    expect(res.body.errors?.[0].message).toContain('Did you mean "houses"?');
  });
});
